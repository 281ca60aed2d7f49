"""ListingFilterSet through the API list: the rows, their order and the keyset pages are exact.

Each expectation is a plain Python filter over the very objects the factories made.
"""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from listings.models import Listing
from tests.accounts.factories import AgentFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/listings/"
PAGE_SIZE = 7
SEED = 20260101

TITLE_WORDS = ["南北通透", "朝南", "急售", "Sunny", "quiet", "Top floor", "近学校", "Bright"]
COMMUNITIES = ["矿工小区", "南山花园", "Pine Garden", "Red Flag Estate", ""]
DESCRIPTIONS = [
    "Sunny flat, 南北 windows.",
    "有地下室 with a cellar.",
    "原始老房，需要装修。",
    "Quiet street near the market.",
    "",
]
PRICES = [28_000, 35_000, 46_000, 46_000, 52_000, 70_000, 99_000]
AREAS = ["35.20", "42.00", "48.50", "52.00", "60.00", "75.25"]
STATUSES = [Listing.Status.ACTIVE] * 6 + [
    Listing.Status.DRAFT,
    Listing.Status.SOLD,
    Listing.Status.WITHDRAWN,
    Listing.Status.RESERVED,
]
BASE_TIME = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# Few distinct times on purpose, so several listings share one.
PUBLISHED_TIMES = [BASE_TIME - timedelta(hours=hours) for hours in (0, 3, 3, 7, 20, 48, 49, 100)]

ORDERINGS = [
    "price",
    "-price",
    "price_per_m2",
    "-price_per_m2",
    "area_m2",
    "-area_m2",
    "published_at",
    "-published_at",
]


@pytest.fixture
def market():
    """About 40 listings over two cities; some share price, area or time, some are not active."""
    rng = random.Random(SEED)
    agent = AgentFactory()
    hegang = CityFactory(slug="hegang", name="Hegang", name_zh="鹤岗")
    qitaihe = CityFactory(slug="qitaihe", name="Qitaihe", name_zh="七台河")
    districts = [
        DistrictFactory(city=hegang, name="Xiangyang", name_zh="向阳区"),
        DistrictFactory(city=hegang, name="Gongnong", name_zh="工农区"),
        DistrictFactory(city=hegang, name="Nanshan", name_zh="南山区"),
        DistrictFactory(city=qitaihe, name="Taoshan", name_zh="桃山区"),
        DistrictFactory(city=qitaihe, name="Xinxing", name_zh="新兴区"),
    ]
    listings = []
    for number in range(36):
        total_floors = rng.choice([4, 5, 6, 6, 7, 11, 18])
        status = rng.choice(STATUSES)
        listings.append(
            ListingFactory.build(
                agent=agent,
                district=rng.choice(districts),
                title=f"{' '.join(rng.sample(TITLE_WORDS, 2))} {number}",
                description=rng.choice(DESCRIPTIONS),
                community_name=rng.choice(COMMUNITIES),
                price=rng.choice(PRICES),
                area_m2=Decimal(rng.choice(AREAS)),
                rooms=rng.randint(1, 4),
                floor=rng.randint(1, total_floors),
                total_floors=total_floors,
                has_elevator=total_floors > 7,
                heating=rng.choice(Listing.Heating.values),
                condition=rng.choice(Listing.Condition.values),
                status=status,
                published_at=None
                if status == Listing.Status.DRAFT
                else rng.choice(PUBLISHED_TIMES),
            )
        )
    # Exact twins of active listings: ties on every sort key at once.
    active = [listing for listing in listings if listing.status == Listing.Status.ACTIVE]
    for original in active[:4]:
        listings.append(
            ListingFactory.build(
                agent=agent,
                district=original.district,
                title=f"Twin of {original.title}",
                price=original.price,
                area_m2=original.area_m2,
                published_at=original.published_at,
            )
        )
    Listing.objects.bulk_create(listings)
    # The database computes price_per_m2.
    computed = dict(Listing.objects.values_list("pk", "price_per_m2"))
    for listing in listings:
        listing.price_per_m2 = computed[listing.pk]
    return listings


def expected_ids(listings, params: dict[str, str]) -> list[int]:
    """What the search must return, worked out in plain Python."""
    rows = [listing for listing in listings if listing.status == Listing.Status.ACTIVE]
    if "q" in params:
        for word in params["q"].split():
            rows = [
                listing
                for listing in rows
                if any(
                    word.lower() in text.lower()
                    for text in (listing.title, listing.description, listing.community_name)
                )
            ]
    checks = {
        "city": lambda listing, value: listing.city.slug == value,
        "district": lambda listing, value: listing.district_id == int(value),
        "price_min": lambda listing, value: listing.price >= int(value),
        "price_max": lambda listing, value: listing.price <= int(value),
        "area_min": lambda listing, value: listing.area_m2 >= Decimal(value),
        "area_max": lambda listing, value: listing.area_m2 <= Decimal(value),
        "rooms": lambda listing, value: listing.rooms == int(value),
        "price_per_m2_max": lambda listing, value: listing.price_per_m2 <= int(value),
        "floor_max": lambda listing, value: listing.floor <= int(value),
        "has_elevator": lambda listing, value: listing.has_elevator == (value == "true"),
        "heating": lambda listing, value: listing.heating == value,
        "condition": lambda listing, value: listing.condition == value,
    }
    for name, check in checks.items():
        if name in params:
            rows = [listing for listing in rows if check(listing, params[name])]
    return [listing.pk for listing in sorted_by(rows, params.get("ordering", "-published_at"))]


def sorted_by(rows, ordering: str):
    field = ordering.lstrip("-")
    return sorted(
        rows,
        key=lambda listing: (getattr(listing, field), listing.pk),
        reverse=ordering.startswith("-"),
    )


def walk_pages(api_client, params: dict[str, str]) -> list[dict]:
    """Every page from the first, following `next` until it runs out."""
    response = api_client.get(URL, {**params, "page_size": PAGE_SIZE})
    assert response.status_code == 200, response.data
    pages = [response.json()]
    while pages[-1]["next"]:
        response = api_client.get(pages[-1]["next"])
        assert response.status_code == 200, response.data
        pages.append(response.json())
    return pages


def ids_of(page: dict) -> list[int]:
    return [row["id"] for row in page["results"]]


FILTER_CASES = [
    pytest.param({}, id="no-filter"),
    pytest.param({"city": "hegang"}, id="city"),
    pytest.param({"city": "qitaihe"}, id="other-city"),
    pytest.param({"price_min": "46000"}, id="price_min-inclusive"),
    pytest.param({"price_max": "46000"}, id="price_max-inclusive"),
    pytest.param({"price_min": "35000", "price_max": "52000"}, id="price-range"),
    pytest.param({"area_min": "48.5"}, id="area_min-decimal"),
    pytest.param({"area_max": "52"}, id="area_max"),
    pytest.param({"rooms": "2"}, id="rooms"),
    pytest.param({"price_per_m2_max": "900"}, id="price_per_m2_max"),
    pytest.param({"floor_max": "3"}, id="floor_max"),
    pytest.param({"has_elevator": "true"}, id="elevator"),
    pytest.param({"has_elevator": "false"}, id="no-elevator"),
    pytest.param({"heating": "gas_boiler"}, id="heating"),
    pytest.param({"condition": "renovated"}, id="condition"),
    pytest.param({"q": "南北"}, id="q-chinese-in-title-or-description"),
    pytest.param({"q": "小区"}, id="q-chinese-in-community"),
    pytest.param({"q": "sunny"}, id="q-english-lower"),
    pytest.param({"q": "SUNNY"}, id="q-english-upper"),
    pytest.param({"q": "garden"}, id="q-english-community"),
    pytest.param({"q": "cellar"}, id="q-english-description"),
    pytest.param({"q": "Sunny 南北"}, id="q-two-words-anded"),
    pytest.param({"q": "  quiet   street  "}, id="q-extra-spaces"),
    pytest.param({"q": "Sunny 南北 windows"}, id="q-three-words"),
    pytest.param({"city": "hegang", "price_max": "52000", "has_elevator": "false"}, id="combo-1"),
    pytest.param({"city": "qitaihe", "rooms": "2", "ordering": "price"}, id="combo-2"),
    pytest.param({"q": "小区", "city": "hegang", "ordering": "-area_m2"}, id="combo-3"),
    pytest.param(
        {"price_min": "30000", "area_max": "60", "price_per_m2_max": "1200"}, id="combo-4"
    ),
    pytest.param({"floor_max": "5", "heating": "central", "has_elevator": "false"}, id="combo-5"),
    pytest.param(
        {"city": "hegang", "condition": "needs_renovation", "ordering": "-price_per_m2"},
        id="combo-6",
    ),
    pytest.param({"area_min": "40", "area_max": "55", "ordering": "published_at"}, id="combo-7"),
]


@pytest.mark.parametrize("params", FILTER_CASES)
def test_search_returns_exactly_the_matching_active_listings(api_client, market, params):
    # Given the market fixture
    expected = expected_ids(market, params)
    assert expected, "each case should match something, or it proves little"

    # When every page is read
    pages = walk_pages(api_client, params)

    # Then the ids, in order, are exactly those of the plain Python filter
    assert [pk for page in pages for pk in ids_of(page)] == expected


def test_district_filter_returns_only_that_districts_listings(api_client, market):
    district = next(listing.district for listing in market if listing.status == "active")

    pages = walk_pages(api_client, {"district": str(district.pk)})

    got = [pk for page in pages for pk in ids_of(page)]
    assert got == expected_ids(market, {"district": str(district.pk)})
    assert {row["district"]["id"] for page in pages for row in page["results"]} == {district.pk}


def test_words_that_match_nothing_give_an_empty_page(api_client, market):
    response = api_client.get(URL, {"q": "Sunny nowhere-to-be-found"})

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


def test_non_active_listings_never_appear_whatever_the_filter(api_client, market):
    hidden = {listing.pk for listing in market if listing.status != Listing.Status.ACTIVE}
    assert len(hidden) >= 5

    pages = walk_pages(api_client, {"ordering": "price"})

    assert hidden.isdisjoint(pk for page in pages for pk in ids_of(page))


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_each_ordering_sorts_by_its_field_then_id(api_client, market, ordering):
    # Given active listings that tie on the sort field
    field = ordering.lstrip("-")
    values = [getattr(listing, field) for listing in market if listing.status == "active"]
    assert len(set(values)) < len(values), "the fixture must contain ties"

    # When every page is read
    pages = walk_pages(api_client, {"ordering": ordering})

    # Then the order is by the field, ties broken by id in the same direction
    assert [pk for page in pages for pk in ids_of(page)] == expected_ids(
        market, {"ordering": ordering}
    )


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_next_links_give_each_listing_once_and_previous_links_go_back(api_client, market, ordering):
    # Given all pages read forward
    pages = walk_pages(api_client, {"ordering": ordering})
    all_ids = [pk for page in pages for pk in ids_of(page)]
    assert len(pages) >= 4
    assert len(all_ids) == len(set(all_ids))
    assert all(len(page["results"]) == PAGE_SIZE for page in pages[:-1])
    assert pages[0]["previous"] is None
    assert pages[-1]["next"] is None

    for number in range(1, len(pages)):
        # When following `previous` from a later page
        back = api_client.get(pages[number]["previous"]).json()

        # Then it is exactly the earlier page, and its `next` leads forward again
        assert ids_of(back) == ids_of(pages[number - 1])
        assert ids_of(api_client.get(back["next"]).json()) == ids_of(pages[number])
        assert (back["previous"] is None) == (number == 1)


def test_walking_back_from_the_last_page_reaches_the_first(api_client, market):
    pages = walk_pages(api_client, {"ordering": "-price"})

    seen_backwards = [ids_of(pages[-1])]
    page = pages[-1]
    while page["previous"]:
        page = api_client.get(page["previous"]).json()
        seen_backwards.append(ids_of(page))

    assert seen_backwards == [ids_of(page) for page in reversed(pages)]


def test_links_keep_the_filters(api_client, market):
    pages = walk_pages(api_client, {"city": "hegang", "ordering": "price"})
    assert len(pages) >= 2

    for link in [pages[0]["next"], pages[1]["previous"]]:
        assert "city=hegang" in link
        assert "ordering=price" in link
        assert f"page_size={PAGE_SIZE}" in link
