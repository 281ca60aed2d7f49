from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from listings import hooks
        from messaging.selectors import with_unread_conversations
        from messaging.serializers import AgentResponseSecondsField
        from messaging.todo import awaiting_reply_todo

        # listings names no app above it: the API's listing detail shows this through a hook.
        hooks.register_detail_field("agent_median_response_seconds", AgentResponseSecondsField)
        # The agent's workbench (the listings admin and its index) through hooks as well.
        hooks.register_listing_count(
            "unread_conversations",
            with_unread_conversations,
            label=_("Unread conversations"),
            urgent=True,
        )
        hooks.register_todo_provider(awaiting_reply_todo)
