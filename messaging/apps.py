from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from listings import hooks
        from messaging.serializers import AgentResponseSecondsField

        # listings names no app above it: the API's listing detail shows this through a hook.
        hooks.register_detail_field("agent_median_response_seconds", AgentResponseSecondsField)
