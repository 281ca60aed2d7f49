"""The card's line comparing a flat's price per m² with its city's median, linking to the city's
market page: the figure, its absence before the report is computed, its link, and what a page of
cards costs."""

import html
import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from insights import market
from insights.card_notes import percent_from
from listings import hooks
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory
from tests.listings.test_query_counts import API_LIST_QUERIES, SEARCH_QUERIES

pytestmark = pytest.mark.django_db

SEARCH_URL = "/listings/"
API_URL = "/api/v1/listings/"
CARD_NOTE = re.compile(r'<p class="card-note"><a href="([^"]+)" title="([^"]+)">([^<]+)</a></p>')


def flat(district, price):
    """A 50 m² flat: its price per m² is price / 50."""
    return ListingFactory(district=district, price=price, area_m2=Decimal("50.00"))


@pytest.fixture
def cities():
    """Hegang's flats at ¥800, ¥1,000 and ¥1,500 per m² (median ¥1,000); Qitaihe's at ¥600 and
    ¥1,800 (median ¥1,200)."""
    hegang = DistrictFactory(city=CityFactory(slug="hegang", name="Hegang", name_zh="鹤岗"))
    qitaihe = DistrictFactory(city=CityFactory(slug="qitaihe", name="Qitaihe", name_zh="七台河"))
    return {
        "below": flat(hegang, 40_000),
        "at": flat(hegang, 50_000),
        "above": flat(hegang, 75_000),
        "qitaihe_below": flat(qitaihe, 30_000),
        "qitaihe_above": flat(qitaihe, 90_000),
    }


def computed(*listings):
    """Compute (and cache) the market reports of the listings' cities, as the beat task does."""
    for city in {listing.city for listing in listings}:
        market.city_market_refresh(city)


def notes_on_the_search_page(client, language="en") -> dict[str, tuple[str, str, str]]:
    """{card title: (link, title, text)} of each card with a note."""
    page = client.get(SEARCH_URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    notes = {}
    for card in page.split('<article class="card">')[1:]:
        title = re.search(r'<h3 class="card-title"><a href="[^"]+">([^<]+)</a>', card)[1]
        note = CARD_NOTE.search(card)
        if note:
            notes[html.unescape(title)] = tuple(html.unescape(part) for part in note.groups())
    return notes


def test_the_card_says_how_far_below_or_above_the_city_median_and_links_to_its_market(
    client, cities
):
    computed(*cities.values())

    notes = notes_on_the_search_page(client)

    # 800 against 1,000: 20% below; 1,500: 50% above; 600 and 1,800 against 1,200: 50% either way.
    assert notes == {
        cities["below"].title: (
            "/cities/hegang/",
            "Hegang's median price: ¥1,000/m²",
            "20% below Hegang's median",
        ),
        cities["at"].title: (
            "/cities/hegang/",
            "Hegang's median price: ¥1,000/m²",
            "At Hegang's median",
        ),
        cities["above"].title: (
            "/cities/hegang/",
            "Hegang's median price: ¥1,000/m²",
            "50% above Hegang's median",
        ),
        cities["qitaihe_below"].title: (
            "/cities/qitaihe/",
            "Qitaihe's median price: ¥1,200/m²",
            "50% below Qitaihe's median",
        ),
        cities["qitaihe_above"].title: (
            "/cities/qitaihe/",
            "Qitaihe's median price: ¥1,200/m²",
            "50% above Qitaihe's median",
        ),
    }


def test_the_link_leads_to_that_citys_market_page_with_the_same_median(client, cities):
    computed(*cities.values())
    link, _title, _text = notes_on_the_search_page(client)[cities["qitaihe_below"].title]

    response = client.get(link, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["city"] == cities["qitaihe_below"].city
    assert response.context["report"].median_price_per_m2 == 1200


def test_in_chinese(client, cities):
    computed(cities["below"])

    notes = notes_on_the_search_page(client, language="zh-hans")

    _link, title, text = notes[cities["below"].title]
    assert text == "比鹤岗单价中位数低 20%"
    assert title == "鹤岗单价中位数：¥1,000/m²"


def test_no_note_for_a_city_whose_market_report_is_not_computed(client, api_client, cities):
    computed(cities["below"])  # Hegang only

    notes = notes_on_the_search_page(client)
    results = {row["id"]: row for row in api_client.get(API_URL).json()["results"]}

    assert cities["below"].title in notes
    assert cities["qitaihe_below"].title not in notes
    assert results[cities["qitaihe_below"].pk]["city_median_comparison"] is None
    assert results[cities["below"].pk]["city_median_comparison"] == {
        "percent": -20,
        "city_median_price_per_m2": 1000,
    }


def test_no_note_at_all_before_any_report(client, cities):
    assert notes_on_the_search_page(client) == {}


def test_the_api_detail_has_the_comparison_too(api_client, cities):
    computed(cities["above"])

    body = api_client.get(f"{API_URL}{cities['above'].pk}/").json()

    assert body["city_median_comparison"] == {"percent": 50, "city_median_price_per_m2": 1000}


def test_the_home_pages_newest_flats_carry_it(client, cities):
    computed(cities["below"])

    page = html.unescape(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())

    assert "20% below Hegang's median" in page


@pytest.mark.parametrize(("value", "median", "percent"), [(800, 1000, -20), (1005, 1000, 1)])
def test_percent_is_rounded_half_up(value, median, percent):
    # 1,005 against 1,000 is 0.5% above: a whole 1%, as insights rounds every figure.
    assert percent_from(value, median) == percent


def test_insights_registers_the_note_at_start_up():
    assert [note.name for note in hooks.card_notes()] == ["city_median_comparison"]


# --- what a page of cards costs ---------------------------------------------------------------


@pytest.mark.parametrize("flats", [5, 40])
def test_the_search_page_with_notes_costs_the_same_queries(
    client, settings, django_assert_num_queries, flats
):
    settings.LISTINGS_PAGE_SIZE = 50
    districts = [DistrictFactory(city=CityFactory()) for _ in range(3)]
    listings = [flat(districts[number % 3], 30_000 + number * 500) for number in range(flats)]
    computed(*listings)

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(SEARCH_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.content.decode().count('class="card-note"') == flats


@pytest.mark.parametrize("flats", [5, 40])
def test_the_api_search_with_notes_costs_the_same_queries(
    api_client, django_assert_num_queries, flats
):
    districts = [DistrictFactory(city=CityFactory()) for _ in range(3)]
    listings = [flat(districts[number % 3], 30_000 + number * 500) for number in range(flats)]
    computed(*listings)

    with django_assert_num_queries(API_LIST_QUERIES):
        results = api_client.get(API_URL, {"page_size": 50}).json()["results"]

    assert all(result["city_median_comparison"] for result in results)
    assert len(results) == flats


def test_a_cold_cache_costs_no_query_either(client, django_assert_num_queries):
    ListingFactory.create_batch(3)
    cache.clear()

    with django_assert_num_queries(SEARCH_QUERIES):
        client.get(SEARCH_URL, HTTP_ACCEPT_LANGUAGE="en")


def test_the_demo_leaves_the_reports_cached_so_cards_carry_notes(
    client, cities, django_capture_on_commit_callbacks
):
    from insights.demo import load_insights_demo

    with django_capture_on_commit_callbacks(execute=True):
        load_insights_demo()

    assert len(notes_on_the_search_page(client)) == len(cities)
