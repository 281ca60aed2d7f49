"""The public read API: the shape of list and detail results, cities, languages and bad input."""

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import ModelSerializer

from listings.models import Listing, ListingPriceChange
from listings.serializers import ListingListSerializer
from tests.accounts.factories import AgentFactory, UserFactory
from tests.favorites.factories import FavoriteFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory
from tests.photos.factories import ListingPhotoFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/listings/"
CITIES_URL = "/api/v1/cities/"

LIST_FIELDS = {
    "id",
    "title",
    "city",
    "district",
    "price",
    "area_m2",
    "price_per_m2",
    "rooms",
    "floor",
    "total_floors",
    "has_elevator",
    "heating",
    "condition",
    "year_built",
    "status",
    "published_at",
    "agent",
    "cover",
    "price_cut_recently",
    "verified",
    "other_agents",
    "is_favorite",
    "city_median_comparison",
}
DETAIL_EXTRA_FIELDS = {
    "verified_at",
    "description",
    "community_name",
    "street_address",
    "heating_fee_per_m2",
    "has_ownership_certificate",
    "city_median_price_per_m2",
    "price_history",
    "days_on_market",
}


@pytest.fixture
def hegang():
    return CityFactory(
        slug="hegang", name="Hegang", name_zh="鹤岗", province="Heilongjiang", province_zh="黑龙江"
    )


@pytest.fixture
def xiangyang(hegang):
    return DistrictFactory(city=hegang, name="Xiangyang", name_zh="向阳区")


@pytest.fixture
def flat(xiangyang):
    agent = AgentFactory(first_name="Jianguo", last_name="Wang")
    agent.agent_profile.agency_name = "Anju Homes"
    agent.agent_profile.save()
    return ListingFactory(
        agent=agent,
        district=xiangyang,
        title="南北通透 Sunny walk-up",
        price=46_000,
        area_m2=Decimal("52.00"),
        rooms=2,
        floor=5,
        total_floors=6,
        has_elevator=False,
        year_built=1995,
        published_at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
    )


def make_cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_list_result_has_exactly_the_documented_fields(api_client, flat):
    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    [result] = body["results"]
    assert set(result) == LIST_FIELDS
    assert result == {
        "id": flat.pk,
        "title": "南北通透 Sunny walk-up",
        "city": {"slug": "hegang", "name": "Hegang"},
        "district": {"id": flat.district_id, "name": "Xiangyang"},
        "price": 46_000,
        "area_m2": 52.0,
        "price_per_m2": 885,
        "rooms": 2,
        "floor": 5,
        "total_floors": 6,
        "has_elevator": False,
        "heating": "central",
        "condition": "needs_renovation",
        "year_built": 1995,
        "status": "active",
        "published_at": "2026-03-01T16:30:00+08:00",
        "agent": {
            "id": flat.agent_id,
            "name": "Jianguo Wang",
            "agency": "Anju Homes",
            "verified": True,
        },
        "cover": None,
        "price_cut_recently": False,
        "verified": False,
        "other_agents": 0,
        "is_favorite": False,
        "city_median_comparison": None,  # the city's market report is not computed yet
    }


def test_detail_adds_the_full_facts_and_the_city_median(api_client, flat):
    ListingFactory(district=flat.district, agent=flat.agent, price=30_100, area_m2="20.00")

    response = api_client.get(f"{LIST_URL}{flat.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= LIST_FIELDS | DETAIL_EXTRA_FIELDS
    assert body["description"] == flat.description
    assert body["community_name"] == "矿工小区"
    assert body["street_address"] == "红旗路 12号"
    assert body["heating_fee_per_m2"] == 28.0
    assert body["has_ownership_certificate"] is True
    # The median of 885 and 1,505 per m².
    assert body["city_median_price_per_m2"] == 1195
    assert body["agent"]["agency"] == "Anju Homes"


def test_detail_of_an_unknown_listing_is_404(api_client):
    assert api_client.get(f"{LIST_URL}999999/").status_code == 404


def test_agent_without_a_profile_is_shown_unverified_with_no_agency(api_client, flat):
    flat.agent.agent_profile.delete()

    response = api_client.get(LIST_URL)

    assert response.json()["results"][0]["agent"]["agency"] is None
    assert response.json()["results"][0]["agent"]["verified"] is False


def test_cities_give_active_count_and_hand_computed_median(api_client):
    # Given an odd count, an even count and a city with nothing for sale
    odd = DistrictFactory(city=CityFactory(slug="hegang", name="Hegang", name_zh="鹤岗"))
    even = DistrictFactory(city=CityFactory(slug="qitaihe", name="Qitaihe", name_zh="七台河"))
    CityFactory(slug="yichun", name="Yichun", name_zh="伊春")
    agent = AgentFactory()
    for price in (50_000, 100_000, 400_000):  # 1,000, 2,000 and 8,000 per m² on 50 m²
        ListingFactory(agent=agent, district=odd, price=price, area_m2="50.00")
    for price in (50_000, 100_000, 200_000, 500_000):  # 1,000, 2,000, 4,000, 10,000 per m²
        ListingFactory(agent=agent, district=even, price=price, area_m2="50.00")
    # Listings not for sale count for nothing.
    ListingFactory(agent=agent, district=odd, price=9_000_000, draft=True)
    ListingFactory(agent=agent, district=even, price=10, status="sold")

    # When the cities are read
    response = api_client.get(CITIES_URL)

    # Then each shows its own figures (3,000 is the mean of 2,000 and 4,000)
    assert response.status_code == 200
    by_slug = {city["slug"]: city for city in response.json()}
    assert by_slug["hegang"]["active_listings"] == 3
    assert by_slug["hegang"]["median_price_per_m2"] == 2000
    assert by_slug["qitaihe"]["active_listings"] == 4
    assert by_slug["qitaihe"]["median_price_per_m2"] == 3000
    assert by_slug["yichun"]["active_listings"] == 0
    assert by_slug["yichun"]["median_price_per_m2"] is None


def test_cities_have_slug_names_and_province(api_client, hegang):
    response = api_client.get(CITIES_URL)

    assert response.json() == [
        {
            "slug": "hegang",
            "name": "Hegang",
            "name_en": "Hegang",
            "name_zh": "鹤岗",
            "province": "Heilongjiang",
            "active_listings": 0,
            "median_price_per_m2": None,
        }
    ]


@pytest.mark.parametrize(
    ("language", "city_name", "province", "district_name"),
    [("zh-hans", "鹤岗", "黑龙江", "向阳区"), ("en", "Hegang", "Heilongjiang", "Xiangyang")],
)
def test_accept_language_chooses_the_names(
    api_client, flat, language, city_name, province, district_name
):
    cities = api_client.get(CITIES_URL, HTTP_ACCEPT_LANGUAGE=language).json()
    listings = api_client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE=language).json()

    assert cities[0]["name"] == city_name
    assert cities[0]["province"] == province
    assert listings["results"][0]["city"]["name"] == city_name
    assert listings["results"][0]["district"]["name"] == district_name


@pytest.mark.parametrize(
    ("query", "bad_parameter"),
    [
        ({"price_min": "abc"}, "price_min"),
        ({"price_max": "-1"}, "price_max"),
        ({"price_min": "1.5"}, "price_min"),
        ({"area_min": "x"}, "area_min"),
        ({"area_max": "-3"}, "area_max"),
        ({"area_min": "NaN"}, "area_min"),
        ({"rooms": "0"}, "rooms"),
        ({"rooms": "two"}, "rooms"),
        ({"rooms": "21"}, "rooms"),
        ({"price_per_m2_max": "abc"}, "price_per_m2_max"),
        ({"floor_max": "0"}, "floor_max"),
        ({"has_elevator": "maybe"}, "has_elevator"),
        ({"heating": "coal"}, "heating"),
        ({"condition": "new"}, "condition"),
        ({"city": "atlantis"}, "city"),
        ({"district": "999999"}, "district"),
        ({"district": "abc"}, "district"),
        ({"ordering": "foo"}, "ordering"),
        ({"ordering": "title"}, "ordering"),
        ({"q": "x" * 101}, "q"),
        ({"price_min": "60000", "price_max": "50000"}, "price_max"),
        ({"area_min": "80", "area_max": "40"}, "area_max"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1000"}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "!!!"}, "cursor"),
        ({"cursor": make_cursor({"d": "n", "o": "-published_at"})}, "cursor"),
        ({"cursor": make_cursor(["n", "-published_at", 1, 1])}, "cursor"),
        ({"cursor": make_cursor({"d": "x", "o": "-published_at", "v": 1, "id": 1})}, "cursor"),
        (
            {
                "ordering": "-published_at",
                "cursor": make_cursor({"d": "n", "o": "-published_at", "v": "soon", "id": 1}),
            },
            "cursor",
        ),
        (
            {
                "ordering": "area_m2",
                "cursor": make_cursor({"d": "n", "o": "area_m2", "v": "NaN", "id": 1}),
            },
            "cursor",
        ),
        (
            {
                "ordering": "price",
                "cursor": make_cursor({"d": "n", "o": "price", "v": 1, "id": "x"}),
            },
            "cursor",
        ),
        (
            {
                "ordering": "price",
                "cursor": make_cursor({"d": "n", "o": "price", "v": None, "id": 1}),
            },
            "cursor",
        ),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v}"[:30] for k, v in value.items()) if isinstance(value, dict) else value
    ),
)
def test_bad_search_input_is_a_400_naming_the_parameter(api_client, flat, query, bad_parameter):
    response = api_client.get(LIST_URL, query)

    assert response.status_code == 400
    assert list(response.json()) == [bad_parameter]
    assert response.json()[bad_parameter]


def test_a_cursor_for_one_ordering_is_refused_for_another(api_client, flat):
    # Given a `next` link made while sorting by price
    ListingFactory.create_batch(2, agent=flat.agent, district=flat.district)
    next_link = api_client.get(LIST_URL, {"ordering": "price", "page_size": 1}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]

    # When it is used with the opposite ordering
    response = api_client.get(LIST_URL, {"ordering": "-price", "cursor": cursor})

    # Then it is refused, naming the cursor
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_a_cursor_works_with_its_own_ordering(api_client, flat):
    ListingFactory.create_batch(2, agent=flat.agent, district=flat.district)
    next_link = api_client.get(LIST_URL, {"ordering": "price", "page_size": 1}).json()["next"]

    assert api_client.get(next_link).status_code == 200


def test_a_district_outside_the_chosen_city_is_a_400_naming_district(api_client, flat):
    taoshan = DistrictFactory(city=CityFactory(slug="qitaihe"), name="Taoshan")

    response = api_client.get(LIST_URL, {"city": "hegang", "district": taoshan.pk})

    assert response.status_code == 400
    assert list(response.json()) == ["district"]


def test_several_bad_parameters_are_all_named(api_client, flat):
    response = api_client.get(LIST_URL, {"price_min": "abc", "rooms": "0", "city": "atlantis"})

    assert response.status_code == 400
    assert set(response.json()) == {"price_min", "rooms", "city"}


def test_empty_parameters_are_ignored(api_client, flat):
    response = api_client.get(
        LIST_URL, {"q": "", "city": "", "price_min": "", "has_elevator": "", "ordering": ""}
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [flat.pk]


def test_page_size_at_the_limits_is_accepted(api_client, flat):
    assert api_client.get(LIST_URL, {"page_size": 1}).status_code == 200
    assert api_client.get(LIST_URL, {"page_size": 100}).status_code == 200
    assert api_client.get(LIST_URL, {"page_size": 101}).status_code == 400


def test_numbers_beyond_any_column_do_not_crash_the_search(api_client, flat):
    above_everything = api_client.get(LIST_URL, {"price_min": "9" * 30})
    below_everything = api_client.get(
        LIST_URL, {"price_max": "9" * 30, "district": flat.district_id}
    )

    assert above_everything.status_code == 200
    assert above_everything.json()["results"] == []
    assert below_everything.status_code == 200
    assert [row["id"] for row in below_everything.json()["results"]] == [flat.pk]


def test_a_superscript_page_size_is_a_400_not_a_500(api_client, flat):
    response = api_client.get(LIST_URL, {"page_size": "²"})

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_a_cursor_with_a_naive_time_is_refused(api_client, flat):
    cursor = make_cursor({"d": "n", "o": "-published_at", "v": "2026-01-01T00:00:00", "id": 1})

    response = api_client.get(LIST_URL, {"cursor": cursor})

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_the_fast_list_representation_matches_the_declared_fields():
    ListingFactory(area_m2="41.76", agent__first_name="伟", agent__last_name="张")
    ListingFactory(year_built=None, agent=UserFactory(role="agent"))  # an agent without a profile
    listings = list(Listing.objects.active().for_cards())
    serializer = ListingListSerializer()

    fast = [serializer.to_representation(listing) for listing in listings]
    generic = [ModelSerializer.to_representation(serializer, listing) for listing in listings]

    assert JSONRenderer().render(fast) == JSONRenderer().render(generic)


def test_a_signed_in_buyers_result_with_cover_price_cut_and_favourite(
    api_client, flat, django_assert_num_queries
):
    ListingPhotoFactory(listing=flat, ready=True, position=1)
    cover = ListingPhotoFactory(listing=flat, ready=True, position=2, is_cover=True)
    ListingPriceChange.objects.create(listing=flat, old_price=49_000, new_price=46_000)
    buyer = FavoriteFactory(listing=flat).user
    api_client.force_authenticate(buyer)
    stored = f"listings/{flat.pk}/{cover.content_hash[:8]}/thumb"

    with django_assert_num_queries(1):  # the cards with every annotation, in one query
        response = api_client.get(LIST_URL)

    [result] = response.json()["results"]
    assert result["cover"] == {
        "url": f"http://testserver/media/{stored}.jpeg",
        "url_webp": f"http://testserver/media/{stored}.webp",
        "width": 400,
        "height": 300,
    }
    assert result["price_cut_recently"] is True
    assert result["is_favorite"] is True
    assert result["other_agents"] == 0
    assert set(result) == LIST_FIELDS
    # The same listing as its model instance through the declared fields: same JSON.
    listing = Listing.objects.for_cards().get(pk=flat.pk)
    listing.is_favorite = True
    listing.city_median_comparison = None
    generic = ModelSerializer.to_representation(
        ListingListSerializer(context={"request": response.wsgi_request}), listing
    )
    assert JSONRenderer().render(result) == JSONRenderer().render(generic)
