from celery import shared_task

from insights import market, services
from marketplace.tasks import SWEEP_TASK


@shared_task(**SWEEP_TASK)
def flush_listing_views() -> int:
    """Copy the cache's view counters into the daily table: running it twice changes nothing."""
    return services.listing_views_flush()


@shared_task(**SWEEP_TASK)
def refresh_city_markets() -> int:
    """Recompute every city's market report into the cache."""
    return market.city_markets_refresh()
