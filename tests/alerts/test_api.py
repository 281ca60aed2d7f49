"""/api/v1/saved-searches/: a buyer's own saved searches; nobody else's, ever."""

import pytest

from alerts.models import SavedSearch
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.alerts.factories import SavedSearchFactory
from tests.listings.factories import CityFactory

pytestmark = pytest.mark.django_db
LIST_URL = "/api/v1/saved-searches/"


def detail_url(saved_search) -> str:
    return f"{LIST_URL}{saved_search.pk}/"


@pytest.fixture
def owner():
    return BuyerFactory(username="li")


@pytest.fixture
def saved_search(owner):
    CityFactory(slug="hegang")
    return SavedSearchFactory(
        user=owner, name="Hegang", params={"city": "hegang", "price_max": "50000"}
    )


def as_viewer(api_client, viewer: str, owner):
    user = {"owner": owner, "other buyer": BuyerFactory(), "agent": AgentFactory()}.get(viewer)
    if user is not None:
        api_client.force_authenticate(user)
    return user


# --- the access matrix ------------------------------------------------------------------

OBJECT_CALLS = [
    ("get", None),
    ("patch", {"name": "Mine now"}),
    ("delete", None),
]


@pytest.mark.parametrize(("method", "body"), OBJECT_CALLS)
@pytest.mark.parametrize(
    ("viewer", "expected"), [("other buyer", 404), ("agent", 404), ("anonymous", 401)]
)
def test_nobody_but_the_owner_reads_changes_or_deletes_a_saved_search(
    api_client, owner, saved_search, viewer, expected, method, body
):
    as_viewer(api_client, viewer, owner)

    response = getattr(api_client, method)(detail_url(saved_search), body)

    assert response.status_code == expected
    saved_search.refresh_from_db()
    assert saved_search.name == "Hegang"


@pytest.mark.parametrize(("viewer", "expected"), [("other buyer", []), ("agent", [])])
def test_nobody_else_sees_it_in_their_list(api_client, owner, saved_search, viewer, expected):
    as_viewer(api_client, viewer, owner)

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.data["results"] == expected


def test_anonymous_has_no_list_and_saves_nothing(api_client, saved_search):
    assert api_client.get(LIST_URL).status_code == 401
    assert api_client.post(LIST_URL, {"name": "x", "params": {}}).status_code == 401


def test_the_owner_reads_changes_and_deletes_it(api_client, owner, saved_search):
    api_client.force_authenticate(owner)

    read = api_client.get(detail_url(saved_search))
    changed = api_client.patch(
        detail_url(saved_search), {"name": "Cheap Hegang", "frequency": "daily"}
    )
    listed = api_client.get(LIST_URL)
    deleted = api_client.delete(detail_url(saved_search))

    assert read.status_code == 200
    assert read.data["params"] == {"city": "hegang", "price_max": "50000"}
    assert read.data["search_url"] == "/listings/?city=hegang&price_max=50000"
    assert (changed.data["name"], changed.data["frequency"]) == ("Cheap Hegang", "daily")
    assert [row["id"] for row in listed.data["results"]] == [saved_search.pk]
    assert deleted.status_code == 204
    assert not SavedSearch.objects.exists()


# --- creating -----------------------------------------------------------------------------


def test_a_buyer_saves_a_search_keeping_only_the_filters(api_client, owner):
    CityFactory(slug="hegang")
    api_client.force_authenticate(owner)

    response = api_client.post(
        LIST_URL,
        {
            "name": "Hegang, 2 rooms",
            "params": {
                "city": "hegang",
                "rooms": 2,
                "price_max": " 50000 ",
                "has_elevator": "",
                "page": "3",
                "cursor": "abc",
                "utm_source": "wechat",
            },
            "frequency": "daily",
        },
    )

    assert response.status_code == 201, response.data
    saved = SavedSearch.objects.get()
    assert saved.user == owner
    assert saved.params == {"city": "hegang", "rooms": "2", "price_max": "50000"}
    assert saved.frequency == "daily"


def test_a_buyer_keeps_at_most_the_cap_of_saved_searches(api_client, owner, settings):
    # Given a cap of 3, a buyer who keeps 3, and another buyer who keeps 3 too
    settings.SAVED_SEARCHES_PER_BUYER = 3
    SavedSearchFactory.create_batch(3, user=owner)
    SavedSearchFactory.create_batch(3, user=BuyerFactory())
    api_client.force_authenticate(owner)

    # When the buyer saves a fourth
    response = api_client.post(LIST_URL, {"name": "One more", "params": {"rooms": "2"}})

    # Then they are told to delete one first, and nothing is saved
    assert response.status_code == 400
    assert response.data == {
        "non_field_errors": [
            "You already keep 3 saved searches, the most one person may keep. "
            "Delete one you no longer need, then save this one."
        ]
    }
    assert SavedSearch.objects.filter(user=owner).count() == 3

    # And once one is deleted, a new one is kept
    api_client.delete(detail_url(SavedSearch.objects.filter(user=owner).first()))
    assert api_client.post(LIST_URL, {"name": "One more"}).status_code == 201


def test_the_frequency_defaults_to_instant(api_client, owner):
    api_client.force_authenticate(owner)

    response = api_client.post(LIST_URL, {"name": "Anything", "params": {}})

    assert response.status_code == 201
    assert response.data["frequency"] == "instant"


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"price_max": "cheap"}, "price_max", "Enter a whole number."),
        ({"city": "atlantis"}, "city", "Select a valid choice."),
        ({"price_min": "60000", "price_max": "40000"}, "price_max", "The lowest price is above"),
        ({"heating": "fireplace"}, "heating", "Select a valid choice."),
        ({"rooms": ["1", "2"]}, "rooms", "Give one value"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_parameter(api_client, owner, params, name, message):
    api_client.force_authenticate(owner)

    response = api_client.post(LIST_URL, {"name": "Bad", "params": params})

    assert response.status_code == 400
    assert message in str(response.data["params"][name])
    assert not SavedSearch.objects.exists()


def test_a_name_and_a_known_frequency_are_needed(api_client, owner):
    api_client.force_authenticate(owner)

    response = api_client.post(LIST_URL, {"name": "", "frequency": "hourly"})

    assert response.status_code == 400
    assert set(response.data) == {"name", "frequency"}


def test_changing_the_filters_checks_them_too(api_client, owner, saved_search):
    api_client.force_authenticate(owner)

    response = api_client.patch(detail_url(saved_search), {"params": {"area_min": "big"}})

    assert response.status_code == 400
    assert "area_min" in response.data["params"]


def test_changing_the_filters_starts_alerts_afresh(api_client, owner, saved_search, clock):
    api_client.force_authenticate(owner)
    clock.advance(hours=2)

    api_client.patch(detail_url(saved_search), {"params": {"city": "hegang"}})

    saved_search.refresh_from_db()
    assert saved_search.params == {"city": "hegang"}
    assert saved_search.matched_until == clock.now


# --- fixed number of queries ------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 15])
def test_the_list_runs_the_same_queries_whatever_its_size(
    api_client, owner, count, django_assert_num_queries
):
    SavedSearchFactory.create_batch(count, user=owner)
    api_client.force_authenticate(owner)

    with django_assert_num_queries(1):
        response = api_client.get(LIST_URL)

    assert len(response.data["results"]) == count
