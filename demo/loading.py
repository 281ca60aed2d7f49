"""The demo data, app by app in the order they build on each other, in one transaction."""

from django.db import transaction
from django.utils import timezone

from alerts.demo import load_demo_alert, load_demo_saved_searches
from favorites.demo import load_favorites_demo
from insights.demo import load_insights_demo
from listings.demo import load_listings_demo, load_trust_demo
from listings.models import Listing
from messaging.demo import load_messaging_demo
from purchases.demo import load_purchases_demo
from reviews.demo import load_reviews_demo
from viewings.demo import load_viewings_demo


@transaction.atomic
def load_demo(*, seed: int = 2026) -> dict[str, int]:
    """Create whatever demo rows are missing; running it again changes nothing."""
    now = timezone.now()
    summary = load_listings_demo(seed=seed, now=now)
    # Before the saved flats, which pick from the flats on the market by position: its flat is
    # reserved on the first run as on every later one, so they pick the same ones each time.
    if load_purchases_demo():
        summary["active_listings"] = Listing.objects.active().count()
    load_favorites_demo(now=now)
    load_demo_saved_searches()
    load_demo_alert()
    trust = load_trust_demo()
    summary["listings_created"] += trust["listings_created"]
    summary["active_listings"] += trust["listings_created"]
    load_viewings_demo(now=now)
    load_insights_demo(now=now, seed=seed)
    load_messaging_demo(now=now)
    # After the viewings: buyers review agent1 after a done viewing, or a purchase of a sold flat.
    load_reviews_demo(now=now)
    return summary
