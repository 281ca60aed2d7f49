from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts import hooks
        from notifications.serializers import UnreadNotificationsField

        # accounts, the layer below, names no app: GET /me/ shows the unread count through a hook.
        hooks.register_me_field("unread_notifications", UnreadNotificationsField)
