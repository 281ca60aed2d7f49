"""The demo data, app by app in the order they build on each other, in one transaction."""

from django.db import transaction
from django.utils import timezone

from alerts.demo import load_demo_saved_searches
from favorites.demo import load_favorites_demo
from listings.demo import load_listings_demo, load_trust_demo


@transaction.atomic
def load_demo(*, seed: int = 2026) -> dict[str, int]:
    """Create whatever demo rows are missing; running it again changes nothing."""
    now = timezone.now()
    summary = load_listings_demo(seed=seed, now=now)
    load_favorites_demo(now=now)
    load_demo_saved_searches()
    trust = load_trust_demo()
    summary["listings_created"] += trust["listings_created"]
    summary["active_listings"] += trust["listings_created"]
    return summary
