from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from alerts.models import SavedSearch


def saved_searches_for(user: User) -> QuerySet[SavedSearch]:
    """A user's own saved searches, newest first; nobody else's, ever."""
    if not user.is_authenticated:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user=user).order_by("-created_at", "-id")


def saved_search_of(*, user: User, saved_search_id: int) -> SavedSearch:
    """The user's saved search, or 404 (anyone else's looks as if it did not exist)."""
    try:
        return saved_searches_for(user).get(pk=saved_search_id)
    except SavedSearch.DoesNotExist:
        raise Http404 from None
