"""Demo saved searches for the demo buyers (called by `manage.py load_demo`; idempotent)."""

from accounts.models import User
from alerts.models import SavedSearch
from alerts.services import saved_search_create

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
