"""The line on a listing's card that says how its price per m² compares with its city's median,
linking to the city's market page (registered with listings.hooks in InsightsConfig.ready).

The median is the cached market report's, the figure the linked page shows. A page of cards reads
the reports of its cities in one cache round trip and no query: a city whose report is not in the
cache yet (the beat task refreshes them every 30 minutes, a visit to the market page computes
one) shows no line rather than making a search wait for a report.

Both directions are said, "12% below" and "3% above": a card that only ever praised its price
would tell nothing by its silence.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext

from insights.market import market_cache_key
from insights.selectors import round_half_up
from listings.models import City
from listings.templatetags.walkup import yuan

NOTE_NAME = "city_median_comparison"


@dataclass(frozen=True)
class CityMedianComparison:
    city: City
    percent: int  # how far the price per m² is from the median: negative below, positive above
    city_median_price_per_m2: int

    @property
    def link(self) -> str:
        return reverse("insights:city_market", args=[self.city.slug])

    @property
    def text(self) -> str:
        figures = {"percent": abs(self.percent), "city": self.city.local_name}
        if self.percent < 0:
            return gettext("%(percent)s%% below %(city)s's median") % figures
        if self.percent > 0:
            return gettext("%(percent)s%% above %(city)s's median") % figures
        return gettext("At %(city)s's median") % figures

    @property
    def title(self) -> str:
        return gettext("%(city)s's median price: %(price)s/m²") % {
            "city": self.city.local_name,
            "price": yuan(self.city_median_price_per_m2),
        }


def percent_from(value: int, median: int) -> int:
    return round_half_up((value - median) * 100 / median)


def city_medians(city_ids) -> dict[int, int]:
    """The median price per m² of each city whose market report is cached: one cache read."""
    keys = {market_cache_key(city_id): city_id for city_id in city_ids}
    reports = cache.get_many(list(keys))
    medians = {keys[key]: report.get("median_price_per_m2") for key, report in reports.items()}
    return {city_id: median for city_id, median in medians.items() if median}


def city_median_comparisons(listings) -> dict[int, CityMedianComparison]:
    medians = city_medians({listing.city_id for listing in listings})
    return {
        listing.pk: CityMedianComparison(
            city=listing.city,
            percent=percent_from(listing.price_per_m2, medians[listing.city_id]),
            city_median_price_per_m2=medians[listing.city_id],
        )
        for listing in listings
        if listing.city_id in medians and listing.price_per_m2
    }
