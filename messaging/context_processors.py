from django.utils.functional import SimpleLazyObject

from messaging.selectors import unread_message_count


def unread_messages(request):
    """The header's unread badge; counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: unread_message_count(user))}
