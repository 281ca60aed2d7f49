"""A city's market in figures: computed by aggregate queries, cached, refreshed by beat.

Medians use `listings.aggregates.Median`: PERCENTILE_CONT on PostgreSQL and, on SQLite, a MEDIAN
aggregate registered on each connection (listings.apps), so both run the same grouped query.
The median days on market is the one figure read otherwise: the middle publication time of the
flats for sale, fetched as one or two rows of a single ordered column (an OFFSET query).
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, FloatField, IntegerField, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from insights.selectors import round_half_up
from listings.aggregates import Median
from listings.models import City, Listing, ListingPriceChange

MONTHS = 12
HISTOGRAM_BINS = 8
SMALLEST_BIN = 1000  # yuan: finer ranges say nothing about a flat's price
NICE_STEPS = (1, 2, 2.5, 5, 10)


def _in_chinese() -> bool:
    return (get_language() or "").startswith("zh")


@dataclass(frozen=True)
class DistrictPrice:
    name: str
    name_zh: str
    median_price_per_m2: int
    for_sale: int

    @property
    def local_name(self) -> str:
        return self.name_zh if _in_chinese() and self.name_zh else self.name


@dataclass(frozen=True)
class PriceBin:
    low: int  # yuan, included
    high: int  # yuan, excluded
    flats: int


@dataclass(frozen=True)
class MonthPrice:
    month: str  # "2026-11"
    median_price_per_m2: int | None  # None: no flat on the market at that month's end
    flats: int


@dataclass(frozen=True)
class CityMarketReport:
    city_id: int
    computed_at: str  # ISO 8601
    for_sale: int = 0
    walkup_share_percent: int | None = None
    median_price: int | None = None
    median_price_per_m2: int | None = None
    median_days_on_market: int | None = None
    districts: list[DistrictPrice] = field(default_factory=list)
    price_bins: list[PriceBin] = field(default_factory=list)
    months: list[MonthPrice] = field(default_factory=list)

    @property
    def computed(self) -> datetime:
        return datetime.fromisoformat(self.computed_at)

    @classmethod
    def from_cache(cls, data: dict) -> "CityMarketReport":
        return cls(
            **{
                **data,
                "districts": [DistrictPrice(**row) for row in data["districts"]],
                "price_bins": [PriceBin(**row) for row in data["price_bins"]],
                "months": [MonthPrice(**row) for row in data["months"]],
            }
        )


def market_cache_key(city_id: int) -> str:
    return f"insights:city-market:v1:{city_id}"


def city_for_market(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise Http404
    return city


def city_market(city: City) -> CityMarketReport:
    """The cached report; computed (and cached) on a miss, which the beat refresh makes rare."""
    cached = cache.get(market_cache_key(city.pk))
    if cached is not None:
        return CityMarketReport.from_cache(cached)
    return city_market_refresh(city)


def city_market_refresh(city: City) -> CityMarketReport:
    report = city_market_compute(city)
    cache.set(market_cache_key(city.pk), asdict(report), settings.INSIGHTS_MARKET_CACHE_SECONDS)
    return report


def city_market_compute(city: City, *, now: datetime | None = None) -> CityMarketReport:
    now = now or timezone.now()
    for_sale = Listing.objects.active().filter(city=city).order_by()
    summary = for_sale.aggregate(
        flats=Count("pk"),
        walkups=Count("pk", filter=Q(has_elevator=False)),
        median_price=Median("price"),
        median_price_per_m2=Median("price_per_m2"),
        lowest=Min("price"),
        highest=Max("price"),
    )
    flats = summary["flats"]
    return CityMarketReport(
        city_id=city.pk,
        computed_at=now.isoformat(),
        for_sale=flats,
        walkup_share_percent=round_half_up(100 * summary["walkups"] / flats) if flats else None,
        median_price=round_half_up(summary["median_price"]),
        median_price_per_m2=round_half_up(summary["median_price_per_m2"]),
        median_days_on_market=_median_days_on_market(for_sale, flats, now),
        districts=_district_prices(for_sale),
        price_bins=_price_bins(for_sale, summary["lowest"], summary["highest"]),
        months=_monthly_prices(city, now),
    )


def _median_days_on_market(for_sale, flats: int, now: datetime) -> int | None:
    if not flats:
        return None
    middle = (flats - 1) // 2
    taken = 1 if flats % 2 else 2
    published = list(
        for_sale.order_by("published_at", "pk").values_list("published_at", flat=True)[
            middle : middle + taken
        ]
    )
    days = [(now - when).total_seconds() / 86400 for when in published]
    return round_half_up(sum(days) / len(days))


def _district_prices(for_sale) -> list[DistrictPrice]:
    rows = (
        for_sale.values("district_id", "district__name", "district__name_zh")
        .annotate(median=Median("price_per_m2"), flats=Count("pk"))
        .order_by("district__name")
    )
    return [
        DistrictPrice(
            name=row["district__name"],
            name_zh=row["district__name_zh"],
            median_price_per_m2=round_half_up(row["median"]),
            for_sale=row["flats"],
        )
        for row in rows
    ]


def nice_bin_width(lowest: int, highest: int, bins: int = HISTOGRAM_BINS) -> int:
    """A round width (1, 2, 2.5 or 5 times a power of ten yuan, at least SMALLEST_BIN) that
    covers the prices in at most `bins` bins."""
    raw = max((highest - lowest) / bins, SMALLEST_BIN)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for step in NICE_STEPS:
        width = int(step * magnitude)
        start = lowest // width * width
        if width >= raw and start + width * bins > highest:
            return width
    return 10 * magnitude


def _price_bins(for_sale, lowest: int | None, highest: int | None) -> list[PriceBin]:
    if lowest is None:
        return []
    width = nice_bin_width(lowest, highest)
    start = lowest // width * width
    # Whole-number division on both databases: the bin of each price, counted by the database.
    rows = (
        for_sale.annotate(bin=Cast((F("price") - start) / width, IntegerField()))
        .values("bin")
        .annotate(flats=Count("pk"))
    )
    counted = {row["bin"]: row["flats"] for row in rows}
    last = (highest - start) // width
    return [
        PriceBin(
            low=start + index * width, high=start + (index + 1) * width, flats=counted.get(index, 0)
        )
        for index in range(last + 1)
    ]


def month_ends(now: datetime, months: int = MONTHS) -> list[tuple[str, datetime]]:
    """(month, when its figure is read): each past month's end, and now for this month."""
    local = timezone.localtime(now)
    first_of_month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ends = [(f"{local.year:04d}-{local.month:02d}", now)]
    end = first_of_month
    for _ in range(months - 1):
        before = (end - timedelta(days=1)).replace(day=1)
        ends.append((f"{before.year:04d}-{before.month:02d}", end))
        end = before
    return list(reversed(ends))


def _monthly_prices(city: City, now: datetime) -> list[MonthPrice]:
    """The median asking price per m² of the flats on the market at each month's end.

    The asking price then is the one set by the last price change before that moment, else the
    price before the first change after it, else the price now (it never changed): publications
    and price changes, read back in time. One aggregate query per month.
    """
    return [_month_price(city, month, end) for month, end in month_ends(now)]


def _month_price(city: City, month: str, end: datetime) -> MonthPrice:
    changes = ListingPriceChange.objects.filter(listing=OuterRef("pk"))
    set_before = changes.filter(changed_at__lt=end).order_by("-changed_at", "-id")
    changed_after = changes.filter(changed_at__gte=end).order_by("changed_at", "id")
    asking = Coalesce(
        Subquery(set_before.values("new_price")[:1]),
        Subquery(changed_after.values("old_price")[:1]),
        F("price"),
        output_field=IntegerField(),
    )
    on_market = (
        Listing.objects.once_published()
        .filter(city=city, published_at__lt=end)
        .filter(Q(left_market_at__isnull=True) | Q(left_market_at__gte=end))
        .order_by()
    )
    figures = on_market.annotate(
        asking_per_m2=Cast(asking, FloatField()) / Cast(F("area_m2"), FloatField())
    ).aggregate(median=Median("asking_per_m2"), flats=Count("pk"))
    return MonthPrice(
        month=month, median_price_per_m2=round_half_up(figures["median"]), flats=figures["flats"]
    )


def city_markets_refresh() -> int:
    """Recompute every city's report (the beat task): page views then only read the cache."""
    cities = list(City.objects.all())
    for city in cities:
        city_market_refresh(city)
    return len(cities)
