"""A city's market report: the figures from aggregate queries, the page and the API."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from insights import market
from insights.market import CityMarketReport, MonthPrice, PriceBin, city_market_compute
from listings.models import Listing, ListingPriceChange
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING)


def at(year, month, day):
    return datetime(year, month, day, 10, 0, tzinfo=BEIJING)


def flat(district, price, published_at, **fields):
    return ListingFactory(
        district=district,
        price=price,
        area_m2=Decimal("50.00"),
        published_at=published_at,
        confirmed_at=published_at,
        **fields,
    )


@pytest.fixture
def hegang():
    city = CityFactory(slug="hegang", name="Hegang", name_zh="鹤岗")
    nanshan = DistrictFactory(city=city, name="Nanshan", name_zh="南山区")
    xiangyang = DistrictFactory(city=city, name="Xiangyang", name_zh="向阳区")
    flat(nanshan, 40_000, at(2026, 1, 10))  # ¥800/m²
    changed = flat(nanshan, 60_000, at(2025, 12, 5))  # ¥1,400/m² until cut to ¥1,200/m²
    ListingPriceChange.objects.create(
        listing=changed, old_price=70_000, new_price=60_000, changed_at=at(2026, 2, 1)
    )
    flat(xiangyang, 100_000, at(2026, 2, 20), has_elevator=True)  # ¥2,000/m²
    flat(  # ¥600/m², on the market from November to 15 January
        xiangyang,
        30_000,
        at(2025, 11, 1),
        status=Listing.Status.SOLD,
        left_market_at=at(2026, 1, 15),
    )
    ListingFactory(district=nanshan, draft=True, price=1_000_000)
    ListingFactory(price=999_000)  # another city
    return city


def test_the_figures_of_the_flats_for_sale_now(hegang):
    report = city_market_compute(hegang, now=NOW)

    assert report.for_sale == 3
    assert report.walkup_share_percent == 67
    assert report.median_price == 60_000
    assert report.median_price_per_m2 == 1200
    assert report.median_days_on_market == 51  # the middle publication: 10 January
    assert [(d.name, d.median_price_per_m2, d.for_sale) for d in report.districts] == [
        ("Nanshan", 1000, 2),
        ("Xiangyang", 2000, 1),
    ]


def test_prices_fall_into_round_bins_from_the_cheapest_to_the_dearest(hegang):
    report = city_market_compute(hegang, now=NOW)

    assert report.price_bins == [
        PriceBin(low=40_000, high=50_000, flats=1),
        PriceBin(low=50_000, high=60_000, flats=0),
        PriceBin(low=60_000, high=70_000, flats=1),
        PriceBin(low=70_000, high=80_000, flats=0),
        PriceBin(low=80_000, high=90_000, flats=0),
        PriceBin(low=90_000, high=100_000, flats=0),
        PriceBin(low=100_000, high=110_000, flats=1),
    ]


def test_each_months_asking_price_reads_publications_and_price_changes_back_in_time(hegang):
    months = city_market_compute(hegang, now=NOW).months

    assert len(months) == 12
    assert months[0].month == "2025-04"
    assert months[-5:] == [
        MonthPrice(month="2025-11", median_price_per_m2=600, flats=1),
        MonthPrice(
            month="2025-12", median_price_per_m2=1000, flats=2
        ),  # 600 and 1,400 before the cut
        MonthPrice(month="2026-01", median_price_per_m2=1100, flats=2),  # the sold one left
        MonthPrice(month="2026-02", median_price_per_m2=1200, flats=3),  # after the cut
        MonthPrice(month="2026-03", median_price_per_m2=1200, flats=3),
    ]
    assert months[6] == MonthPrice(month="2025-10", median_price_per_m2=None, flats=0)


def test_a_city_without_flats_has_an_empty_report():
    report = city_market_compute(CityFactory(), now=NOW)

    assert report.for_sale == 0
    assert report.median_price is None
    assert report.walkup_share_percent is None
    assert report.median_days_on_market is None
    assert report.districts == report.price_bins == []
    assert all(month.median_price_per_m2 is None for month in report.months)


@pytest.mark.parametrize(
    ("lowest", "highest", "width"),
    [
        (40_000, 100_000, 10_000),
        (30_000, 46_000, 2_500),
        (46_000, 46_000, 1_000),
        (12_345, 98_765, 20_000),
    ],
)
def test_bin_widths_are_round_and_cover_the_range_in_at_most_eight_bins(lowest, highest, width):
    assert market.nice_bin_width(lowest, highest) == width
    start = lowest // width * width
    assert (highest - start) // width < market.HISTOGRAM_BINS


def test_the_report_is_cached_and_the_beat_task_refreshes_it(hegang, django_assert_num_queries):
    from insights.tasks import refresh_city_markets

    assert refresh_city_markets.delay().get() >= 1
    ListingFactory(district=hegang.districts.first(), price=45_000)

    with django_assert_num_queries(0):
        assert market.city_market(hegang).for_sale == 3  # the cached report

    market.city_market_refresh(hegang)
    assert market.city_market(hegang).for_sale == 4


def test_a_cached_report_reads_back_the_same(hegang):
    computed = market.city_market_refresh(hegang)

    assert market.city_market(hegang) == computed
    assert isinstance(market.city_market(hegang), CityMarketReport)


# --- the page and the API ---------------------------------------------------------------------


def test_the_market_page_draws_each_chart_beside_its_table(client, hegang):
    response = client.get("/cities/hegang/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('role="img"') == 3
    assert page.count("<title id=") == 3
    assert page.count("<desc id=") == 3
    assert "<script" not in page.split("<main", 1)[1]
    assert "Nanshan" in page
    assert "¥1,000" in page
    assert "¥40,000 to under ¥50,000" in page
    assert "2026-02" in page


def test_the_market_page_in_chinese(client, hegang):
    page = client.get("/cities/hegang/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "南山区" in page


def test_a_city_without_flats_says_so(client):
    CityFactory(slug="yichun", name="Yichun")

    response = client.get("/cities/yichun/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "No flat is for sale in Yichun right now" in response.content.decode()


def test_an_unknown_city_is_a_404(client, api_client):
    assert client.get("/cities/atlantis/").status_code == 404
    assert api_client.get("/api/v1/cities/atlantis/market/").status_code == 404


def test_the_api_gives_the_same_figures(api_client, hegang):
    response = api_client.get("/api/v1/cities/hegang/market/")

    body = response.json()
    assert response.status_code == 200
    assert body["city"] == "hegang"
    assert body["for_sale"] == 3
    assert body["median_price_per_m2"] == 1200
    assert body["districts"][0] == {"name": "Nanshan", "median_price_per_m2": 1000, "for_sale": 2}
    assert len(body["months"]) == 12
    assert body["price_bins"][0] == {"low": 40_000, "high": 50_000, "flats": 1}


# The city; the report comes from the cache.
PAGE_QUERIES_CACHED = 1
# The city, the summary, the middle publication, districts, price bins, 12 months.
PAGE_QUERIES_COMPUTED = 1 + 4 + 12


@pytest.mark.parametrize("flats", [3, 30])
def test_the_market_page_costs_the_same_whatever_the_number_of_flats(
    client, django_assert_num_queries, flats
):
    city = CityFactory(slug="hegang")
    districts = [DistrictFactory(city=city) for _ in range(3)]
    for index in range(flats):
        flat(districts[index % 3], 30_000 + index * 1_000, at(2025, 4 + index % 9, 1))
    cache.clear()

    with django_assert_num_queries(PAGE_QUERIES_COMPUTED):
        assert client.get("/cities/hegang/").status_code == 200
    with django_assert_num_queries(PAGE_QUERIES_CACHED):
        assert client.get("/cities/hegang/").status_code == 200
    with django_assert_num_queries(PAGE_QUERIES_CACHED):
        assert client.get("/api/v1/cities/hegang/market/").status_code == 200
