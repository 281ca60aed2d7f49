"""Demo saved searches for the demo buyers (called by `manage.py load_demo`; idempotent)."""

from django.utils import timezone

from accounts.models import User
from alerts.models import SavedSearch, SearchMatch
from alerts.services import saved_search_create, search_matches_record
from listings.filters import ListingFilterSet
from listings.models import Listing

DEMO_SAVED_SEARCHES = [
    ("buyer1", "鹤岗 4万以下", {"city": "hegang", "price_max": "40000"}, "instant"),
    (
        "buyer2",
        "Two rooms, central heating, up to ¥60,000",
        {"rooms": "2", "heating": "central", "price_max": "60000", "ordering": "price"},
        "daily",
    ),
]


def load_demo_saved_searches() -> int:
    """Create the demo buyers' saved searches that are missing; returns how many were made."""
    created = 0
    for username, name, params, frequency in DEMO_SAVED_SEARCHES:
        user = User.objects.filter(username=username).first()
        if user is None or SavedSearch.objects.filter(user=user, name=name).exists():
            continue
        saved_search_create(user=user, name=name, params=params, frequency=frequency)
        created += 1
    return created


def load_demo_alert() -> int:
    """buyer1's first saved search alerted about five flats it matches, as a run alerts: one
    notification naming the first three. Returns how many matches were recorded."""
    username, name, _params, _frequency = DEMO_SAVED_SEARCHES[0]
    search = SavedSearch.objects.filter(user__username=username, name=name).first()
    if search is None or SearchMatch.objects.filter(saved_search=search).exists():
        return 0
    matching = ListingFilterSet(search.params, queryset=Listing.objects.active()).qs
    pairs = [(search.pk, pk) for pk in matching.values_list("pk", flat=True)[:5]]
    return search_matches_record(pairs, now=timezone.now())[0]
