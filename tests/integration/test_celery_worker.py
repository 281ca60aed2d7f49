"""Against the machine's PostgreSQL and Redis, with a real Celery worker consuming the queue."""

import time

import pytest
from django.core.cache import cache

from listings.selectors import CITY_STATS_CACHE_KEY
from listings.tasks import refresh_city_market_stats
from tests.listings.factories import DistrictFactory, ListingFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_refreshes_city_stats_through_redis(celery_worker):
    district = DistrictFactory(city__slug="hegang")
    for price in (40_000, 50_000, 90_000):
        ListingFactory(district=district, price=price, area_m2="50.00")
    cache.delete(CITY_STATS_CACHE_KEY)

    refresh_city_market_stats.delay()

    # Results are ignored (no result backend): watch what the task writes instead.
    deadline = time.monotonic() + 30
    while cache.get(CITY_STATS_CACHE_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cache.get(CITY_STATS_CACHE_KEY) == {str(district.city_id): [3, 1000]}
