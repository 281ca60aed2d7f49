from rest_framework import serializers

from notifications.models import Kind, Notification
from notifications.selectors import unread_notification_count


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "link", "items", "created_at", "read_at"]
        read_only_fields = fields
        extra_kwargs = {
            "items": {
                "help_text": "What the notification lists (a saved search's first new flats)."
            }
        }


class EmailSettingsSerializer(serializers.Serializer):
    email = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Per kind of notification, whether to send it by email too.",
    )

    def validate_email(self, value):
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(f"Unknown kinds: {', '.join(unknown)}.")
        return value


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()


class UnreadNotificationsField(serializers.IntegerField):
    """GET /me/'s `unread_notifications` (registered in apps.py)."""

    def __init__(self):
        super().__init__(source="*", read_only=True)

    def to_representation(self, user):
        return unread_notification_count(user)
