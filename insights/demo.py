"""Demo views history (called by `manage.py load_demo` after the listings demo; idempotent), so
the agent's dashboard has sparklines and figures to show from the first `make run`; and the
cities' market reports, computed into the cache once the demo is committed."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from insights.market import city_markets_refresh
from insights.models import ListingDailyViews
from insights.selectors import SPARKLINE_DAYS
from listings.models import Listing
from listings.services import ON_MARKET


@transaction.atomic
def load_insights_demo(*, now=None, seed: int = 2026) -> None:
    """Daily views since each flat on the market was published, up to SPARKLINE_DAYS days:
    a few a day, more in a listing's first week. A day already there is left alone."""
    today = timezone.localdate(now or timezone.now())
    rows = []
    for listing in Listing.objects.filter(status__in=ON_MARKET).order_by("pk"):
        chance = random.Random(seed * 100_003 + listing.pk)  # noqa: S311 - demo figures
        published = timezone.localdate(listing.published_at)
        for offset in range(SPARKLINE_DAYS):
            day = today - timedelta(days=offset)
            if day < published:
                break
            fresh = (day - published).days < 7
            rows.append(
                ListingDailyViews(
                    listing=listing, day=day, views=chance.randint(2, 14 if fresh else 6)
                )
            )
    ListingDailyViews.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    # The cities' market reports in the cache, as the beat task keeps them: the market pages and
    # the cards' "12% below Hegang's median" show from the first page view.
    transaction.on_commit(city_markets_refresh)
