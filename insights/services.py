from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from insights.counter import views_key
from insights.models import ListingDailyViews
from listings.models import Listing
from listings.services import ON_MARKET

FLUSH_CHUNK = 1000


def listing_views_flush(*, today: date | None = None) -> int:
    """Copy today's and yesterday's view counters from the cache into `ListingDailyViews`.

    The counters hold a day's total, not what is new since the last flush, and a row is only
    ever raised to a counter's value: flushing twice writes the same figures, and a counter lost
    with a Redis restart never lowers a day already copied. Returns the rows written.
    """
    today = today or timezone.localdate()
    days = [today - timedelta(days=1), today]
    since = timezone.make_aware(datetime.combine(days[0], time.min))
    # Only listings that could have been counted: on the market, or changed since yesterday.
    candidates = (
        Listing.objects.filter(
            Q(status__in=ON_MARKET) | Q(updated_at__gte=since) | Q(left_market_at__gte=since)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    written = 0
    chunk: list[int] = []
    for listing_id in candidates.iterator(chunk_size=FLUSH_CHUNK):
        chunk.append(listing_id)
        if len(chunk) == FLUSH_CHUNK:
            written += _flush_chunk(chunk, days)
            chunk = []
    if chunk:
        written += _flush_chunk(chunk, days)
    return written


def _flush_chunk(listing_ids: list[int], days: list[date]) -> int:
    keys = {
        views_key(day, listing_id): (listing_id, day) for day in days for listing_id in listing_ids
    }
    counted = {keys[key]: int(value) for key, value in cache.get_many(list(keys)).items() if value}
    if not counted:
        return 0
    stored = {
        (listing_id, day): views
        for listing_id, day, views in ListingDailyViews.objects.filter(
            listing_id__in=listing_ids, day__in=days
        ).values_list("listing_id", "day", "views")
    }
    rows = [
        ListingDailyViews(listing_id=listing_id, day=day, views=views)
        for (listing_id, day), views in counted.items()
        if views > stored.get((listing_id, day), 0)
    ]
    with transaction.atomic():
        ListingDailyViews.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["listing", "day"],
            update_fields=["views"],
        )
    return len(rows)
