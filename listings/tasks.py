from celery import shared_task

from listings import services
from listings.selectors import city_market_stats_as_json, city_market_stats_refresh
from marketplace.tasks import PHOTO_TASK, SWEEP_TASK


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
)
def refresh_city_market_stats() -> dict[str, list]:
    """Recompute every city's listing count and median price per m² into the cache."""
    return city_market_stats_as_json(city_market_stats_refresh())


@shared_task(bind=True, **{**PHOTO_TASK, "soft_time_limit": 240, "time_limit": 300})
def relocate_listing_photos(self, listing_id: int) -> int:
    """Move a listing's photo files after it was published or taken back into draft."""
    return services.listing_photos_relocate(listing_id=listing_id)


# --- freshness: idempotent sweeps, so running one twice or late changes nothing more ---------


@shared_task(**SWEEP_TASK)
def remind_expiring_listings() -> int:
    return services.listings_remind_expiring()


@shared_task(**SWEEP_TASK)
def expire_stale_listings() -> int:
    return services.listings_expire_stale()
