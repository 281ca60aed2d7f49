from celery import shared_task

from listings.selectors import city_market_stats_as_json, city_market_stats_refresh


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
