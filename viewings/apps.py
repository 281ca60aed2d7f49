from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViewingsConfig(AppConfig):
    name = "viewings"
    verbose_name = _("Video viewings")

    def ready(self):
        from listings import hooks
        from viewings.todo import viewings_to_confirm_todo, with_viewing_count

        # listings names no app above it: the agent's to-do list and figures join its hooks.
        hooks.register_todo_provider(viewings_to_confirm_todo)
        hooks.register_listing_count("viewing_count", with_viewing_count, label=_("Viewings"))
