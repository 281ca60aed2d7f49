"""Who may read and write which listing through the API, object by object."""

from datetime import UTC, datetime

import pytest

from listings.models import Listing
from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory, UserFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/listings/"
TOKEN_URL = "/api/v1/auth/token/"
NOT_PUBLIC = ["draft", "sold", "withdrawn", "reserved"]
EARLIER = datetime(2026, 1, 1, tzinfo=UTC)


def detail_url(listing: Listing) -> str:
    return f"{LIST_URL}{listing.pk}/"


def sign_in_with_token(api_client, user) -> None:
    """What the apps do: trade the password for a token and send it on each request."""
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.data
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def other_agent():
    return AgentFactory()


@pytest.fixture
def buyer():
    return BuyerFactory()


@pytest.fixture
def hegang():
    return CityFactory(slug="hegang", name="Hegang", name_zh="鹤岗")


@pytest.fixture
def xiangyang(hegang):
    return DistrictFactory(city=hegang, name="Xiangyang", name_zh="向阳区")


@pytest.fixture
def listing(agent, xiangyang):
    return ListingFactory(agent=agent, district=xiangyang)


def new_listing_body(place, **overrides) -> dict:
    """A valid body for a flat in the district `place`; overrides replace any field."""
    return {
        "city": place.city.slug,
        "district": place.pk,
        "title": "南北通透 top floor",
        "price": 46_000,
        "area_m2": "52.00",
        "rooms": 2,
        "floor": 5,
        "total_floors": 6,
        **overrides,
    }


def as_viewer(api_client, viewer: str, *, owner, other_agent, buyer):
    users = {"owner": owner, "other agent": other_agent, "buyer": buyer, "anonymous": None}
    if users[viewer] is not None:
        api_client.force_authenticate(users[viewer])


# --- reading -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("owner", 200), ("other agent", 404), ("buyer", 404), ("anonymous", 404)],
)
def test_a_draft_is_seen_only_by_its_agent(
    api_client, agent, other_agent, buyer, xiangyang, viewer, expected
):
    hidden = ListingFactory(agent=agent, district=xiangyang, draft=True)
    as_viewer(api_client, viewer, owner=agent, other_agent=other_agent, buyer=buyer)

    response = api_client.get(detail_url(hidden))

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["status"] == "draft"


@pytest.mark.parametrize("status", ["sold", "withdrawn", "reserved"])
@pytest.mark.parametrize("viewer", ["owner", "other agent", "buyer", "anonymous"])
def test_a_listing_once_published_is_seen_by_everyone_with_its_status(
    api_client, agent, other_agent, buyer, xiangyang, status, viewer
):
    hidden = ListingFactory(agent=agent, district=xiangyang, status=status, published_at=EARLIER)
    expected = 200
    as_viewer(api_client, viewer, owner=agent, other_agent=other_agent, buyer=buyer)

    response = api_client.get(detail_url(hidden))

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["status"] == status


@pytest.mark.parametrize("viewer", ["owner", "other agent", "buyer", "anonymous"])
def test_an_active_listing_is_seen_by_everyone(
    api_client, agent, other_agent, buyer, listing, viewer
):
    as_viewer(api_client, viewer, owner=agent, other_agent=other_agent, buyer=buyer)

    assert api_client.get(detail_url(listing)).status_code == 200


@pytest.mark.parametrize("status", NOT_PUBLIC)
def test_the_list_shows_no_listing_that_is_not_for_sale_even_to_its_agent(
    api_client, agent, xiangyang, listing, status
):
    ListingFactory(
        agent=agent,
        district=xiangyang,
        status=status,
        published_at=None if status == "draft" else EARLIER,
    )
    api_client.force_authenticate(agent)

    response = api_client.get(LIST_URL)

    assert [row["id"] for row in response.json()["results"]] == [listing.pk]


def test_a_superuser_sees_any_draft(api_client, agent, xiangyang):
    draft = ListingFactory(agent=agent, district=xiangyang, draft=True)
    api_client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))

    assert api_client.get(detail_url(draft)).status_code == 200


def test_token_auth_lets_an_agent_read_their_draft(api_client, agent, xiangyang):
    draft = ListingFactory(agent=agent, district=xiangyang, draft=True)
    sign_in_with_token(api_client, agent)

    assert api_client.get(detail_url(draft)).status_code == 200


def test_a_bad_token_is_refused_even_for_reading(api_client, listing):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api_client.get(detail_url(listing)).status_code == 401


# --- creating ----------------------------------------------------------------


def test_anonymous_cannot_create_a_listing(api_client, xiangyang):
    response = api_client.post(LIST_URL, new_listing_body(xiangyang))

    assert response.status_code == 401
    assert not Listing.objects.exists()


def test_a_buyer_cannot_create_a_listing(api_client, buyer, xiangyang):
    sign_in_with_token(api_client, buyer)

    response = api_client.post(LIST_URL, new_listing_body(xiangyang))

    assert response.status_code == 403
    assert not Listing.objects.exists()


def test_a_superuser_who_is_not_an_agent_cannot_create_a_listing(api_client, xiangyang):
    api_client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))

    response = api_client.post(LIST_URL, new_listing_body(xiangyang))

    assert response.status_code == 403
    assert not Listing.objects.exists()


def test_an_agent_creates_a_draft_of_their_own(api_client, agent, other_agent, xiangyang):
    # Given a body that tries to set the agent and the computed fields
    sign_in_with_token(api_client, agent)
    body = new_listing_body(
        xiangyang,
        agent=other_agent.pk,
        price_per_m2=1,
        published_at="2020-01-01T00:00:00Z",
        created_at="2020-01-01T00:00:00Z",
        id=424242,
    )

    # When it is posted
    response = api_client.post(LIST_URL, body)

    # Then the listing belongs to the requester, is a draft, and the extras are ignored
    assert response.status_code == 201, response.data
    created = Listing.objects.get()
    assert created.agent == agent
    assert created.status == Listing.Status.DRAFT
    assert created.published_at is None
    assert created.price_per_m2 == 885
    assert created.pk != 424242
    assert created.created_at.year != 2020
    assert response.data["id"] == created.pk
    assert response.data["agent"]["id"] == agent.pk
    assert response.data["price_per_m2"] == 885
    assert response.data["published_at"] is None


def test_an_agent_can_publish_at_once(api_client, agent, xiangyang):
    api_client.force_authenticate(agent)

    response = api_client.post(LIST_URL, new_listing_body(xiangyang, status="active"))

    assert response.status_code == 201, response.data
    created = Listing.objects.get()
    assert created.status == Listing.Status.ACTIVE
    assert created.published_at is not None
    assert response.data["published_at"] is not None


def test_a_new_listing_cannot_start_sold(api_client, agent, xiangyang):
    api_client.force_authenticate(agent)

    response = api_client.post(LIST_URL, new_listing_body(xiangyang, status="sold"))

    assert response.status_code == 400
    assert "status" in response.data
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "bad_field"),
    [
        ({"floor": 7, "total_floors": 6}, "floor"),
        ({"price": 0}, "price"),
        ({"price": -5}, "price"),
        ({"price": "cheap"}, "price"),
        ({"area_m2": "0"}, "area_m2"),
        ({"area_m2": "0.00"}, "area_m2"),
        ({"rooms": 0}, "rooms"),
        ({"floor": 0}, "floor"),
        ({"heating": "coal"}, "heating"),
        ({"condition": "new"}, "condition"),
        ({"status": "gone"}, "status"),
        ({"city": "atlantis"}, "city"),
        ({"district": 999999}, "district"),
        ({"year_built": 1800}, "year_built"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_on_create_is_a_400_naming_the_field(
    api_client, agent, xiangyang, overrides, bad_field
):
    api_client.force_authenticate(agent)

    response = api_client.post(LIST_URL, new_listing_body(xiangyang, **overrides))

    assert response.status_code == 400
    assert bad_field in response.data
    assert not Listing.objects.exists()


def test_a_district_from_another_city_is_refused(api_client, agent, xiangyang):
    taoshan = DistrictFactory(city=CityFactory(slug="qitaihe"), name="Taoshan")
    api_client.force_authenticate(agent)

    response = api_client.post(LIST_URL, new_listing_body(xiangyang, district=taoshan.pk))

    assert response.status_code == 400
    assert "district" in response.data
    assert not Listing.objects.exists()


def test_missing_required_fields_are_each_named(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.post(LIST_URL, {})

    assert response.status_code == 400
    assert set(response.data) == {
        "city",
        "district",
        "title",
        "price",
        "area_m2",
        "rooms",
        "floor",
        "total_floors",
    }


# --- changing ----------------------------------------------------------------


def test_an_agent_changes_their_listing_with_a_token(api_client, agent, listing):
    sign_in_with_token(api_client, agent)

    response = api_client.patch(detail_url(listing), {"price": 52_000, "title": "急售"})

    assert response.status_code == 200, response.data
    assert response.data["price"] == 52_000
    listing.refresh_from_db()
    assert (listing.price, listing.title, listing.price_per_m2) == (52_000, "急售", 1000)


def test_the_answer_to_a_price_change_shows_the_new_price_per_m2(api_client, agent, listing):
    api_client.force_authenticate(agent)

    response = api_client.patch(detail_url(listing), {"price": 52_000})

    assert response.status_code == 200
    assert response.data["price_per_m2"] == 1000


def test_another_agents_listing_cannot_be_changed(api_client, other_agent, listing):
    api_client.force_authenticate(other_agent)

    response = api_client.patch(detail_url(listing), {"price": 1})

    assert response.status_code == 404
    listing.refresh_from_db()
    assert listing.price == 46_000


def test_a_buyer_cannot_change_a_listing(api_client, buyer, listing):
    sign_in_with_token(api_client, buyer)

    response = api_client.patch(detail_url(listing), {"price": 1})

    assert response.status_code == 403
    listing.refresh_from_db()
    assert listing.price == 46_000


def test_anonymous_cannot_change_a_listing(api_client, listing):
    response = api_client.patch(detail_url(listing), {"price": 1})

    assert response.status_code == 401
    listing.refresh_from_db()
    assert listing.price == 46_000


def test_put_is_not_offered(api_client, agent, listing):
    api_client.force_authenticate(agent)

    response = api_client.put(detail_url(listing), new_listing_body(listing.district))

    assert response.status_code == 405


def test_read_only_fields_are_ignored_on_change(api_client, agent, other_agent, listing):
    # Given a listing and a body that tries to rewrite what only the system sets
    api_client.force_authenticate(agent)
    published_at = listing.published_at
    body = {
        "agent": other_agent.pk,
        "price_per_m2": 1,
        "published_at": "2000-01-01T00:00:00Z",
        "created_at": "2000-01-01T00:00:00Z",
        "updated_at": "2000-01-01T00:00:00Z",
        "id": 424242,
        "city_median_price_per_m2": 1,
    }

    # When it is sent
    response = api_client.patch(detail_url(listing), body)

    # Then nothing it names has changed
    assert response.status_code == 200, response.data
    listing.refresh_from_db()
    assert listing.agent == agent
    assert listing.price_per_m2 == 885
    assert listing.published_at == published_at
    assert listing.created_at.year != 2000
    assert Listing.objects.filter(pk=424242).exists() is False


@pytest.mark.parametrize(
    ("body", "bad_field"),
    [
        ({"floor": 7}, "floor"),
        ({"total_floors": 4}, "floor"),
        ({"price": 0}, "price"),
        ({"area_m2": "0"}, "area_m2"),
        ({"city": "atlantis"}, "city"),
    ],
)
def test_bad_input_on_change_is_a_400_and_changes_nothing(
    api_client, agent, listing, body, bad_field
):
    api_client.force_authenticate(agent)

    response = api_client.patch(detail_url(listing), body)

    assert response.status_code == 400
    assert bad_field in response.data
    listing.refresh_from_db()
    assert (listing.price, listing.floor, listing.total_floors) == (46_000, 5, 6)


def test_moving_to_another_city_without_its_district_is_refused(api_client, agent, listing):
    CityFactory(slug="qitaihe")
    api_client.force_authenticate(agent)

    response = api_client.patch(detail_url(listing), {"city": "qitaihe"})

    assert response.status_code == 400
    assert "district" in response.data


def test_publishing_a_draft_sets_published_at(api_client, agent, xiangyang):
    draft = ListingFactory(agent=agent, district=xiangyang, draft=True)
    api_client.force_authenticate(agent)

    response = api_client.patch(detail_url(draft), {"status": "active"})

    assert response.status_code == 200, response.data
    draft.refresh_from_db()
    assert draft.status == Listing.Status.ACTIVE
    assert draft.published_at is not None
    assert response.data["published_at"] is not None


def test_republishing_keeps_the_first_published_at(api_client, agent, xiangyang):
    withdrawn = ListingFactory(
        agent=agent, district=xiangyang, status="withdrawn", published_at=EARLIER
    )
    api_client.force_authenticate(agent)

    response = api_client.patch(detail_url(withdrawn), {"status": "active"})

    assert response.status_code == 200
    withdrawn.refresh_from_db()
    assert withdrawn.published_at == EARLIER


@pytest.mark.parametrize(
    ("start", "target"),
    [("sold", "active"), ("sold", "withdrawn"), ("active", "draft"), ("draft", "sold")],
)
def test_a_forbidden_status_change_is_a_400_naming_status(
    api_client, agent, xiangyang, start, target
):
    listing = ListingFactory(
        agent=agent,
        district=xiangyang,
        status=start,
        published_at=None if start == "draft" else EARLIER,
    )
    api_client.force_authenticate(agent)

    response = api_client.patch(detail_url(listing), {"status": target})

    assert response.status_code == 400
    assert list(response.data) == ["status"]
    listing.refresh_from_db()
    assert listing.status == start


# --- removing ----------------------------------------------------------------


def test_removing_a_never_published_draft_deletes_it(api_client, agent, xiangyang):
    draft = ListingFactory(agent=agent, district=xiangyang, draft=True)
    sign_in_with_token(api_client, agent)

    response = api_client.delete(detail_url(draft))

    assert response.status_code == 204
    assert not Listing.objects.filter(pk=draft.pk).exists()


def test_removing_a_published_listing_withdraws_it(api_client, agent, listing):
    api_client.force_authenticate(agent)

    response = api_client.delete(detail_url(listing))

    assert response.status_code == 204
    listing.refresh_from_db()
    assert listing.status == Listing.Status.WITHDRAWN
    assert api_client.get(detail_url(listing)).status_code == 200
    api_client.force_authenticate(None)
    assert api_client.get(detail_url(listing)).json()["status"] == "withdrawn"


def test_removing_a_sold_listing_keeps_it_sold(api_client, agent, xiangyang):
    sold = ListingFactory(agent=agent, district=xiangyang, status="sold", published_at=EARLIER)
    api_client.force_authenticate(agent)

    response = api_client.delete(detail_url(sold))

    assert response.status_code == 400
    assert "status" in response.data
    sold.refresh_from_db()
    assert sold.status == Listing.Status.SOLD


def test_another_agents_listing_cannot_be_removed(api_client, other_agent, listing):
    api_client.force_authenticate(other_agent)

    response = api_client.delete(detail_url(listing))

    assert response.status_code == 404
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE


def test_a_buyer_cannot_remove_a_listing(api_client, buyer, listing):
    api_client.force_authenticate(buyer)

    response = api_client.delete(detail_url(listing))

    assert response.status_code == 403
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE


def test_anonymous_cannot_remove_a_listing(api_client, listing):
    response = api_client.delete(detail_url(listing))

    assert response.status_code == 401
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE
