"""The cities by slug, from the cache: a search's `city` parameter costs no query.

Cities change rarely (the admin, the demo loader), and each change goes through
`listings.services.city_changed`, which drops the map once the change commits. A slug that
is not in the map reads the cities again before being refused, so a city added without
that call (a test, a shell) is still found; a renamed or deleted one waits for the call or
for CITY_MAP_CACHE_SECONDS.
"""

from django.conf import settings
from django.core.cache import cache

from listings.models import City

CITY_MAP_CACHE_KEY = "listings:city-map:v1"


def _city_map_refresh() -> dict[str, City]:
    cities = {city.slug: city for city in City.objects.all()}
    cache.set(CITY_MAP_CACHE_KEY, cities, settings.CITY_MAP_CACHE_SECONDS)
    return cities


def city_for_slug(slug: str) -> City | None:
    """The city with this slug, or None: no query while the map is cached and knows it."""
    cities = cache.get(CITY_MAP_CACHE_KEY)
    if cities is None or slug not in cities:
        cities = _city_map_refresh()
    return cities.get(slug)


def city_map_forget() -> None:
    cache.delete(CITY_MAP_CACHE_KEY)
