"""GET/POST /api/v1/favorites/, DELETE /api/v1/favorites/{listing_id}/: a buyer's own, only."""

import pytest
from django.core.cache import cache

from favorites.models import Favorite
from listings.models import Listing
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.favorites.factories import FavoriteFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/favorites/"


def _item_url(listing_id: int) -> str:
    return f"{URL}{listing_id}/"


@pytest.fixture
def owner():
    return BuyerFactory()


@pytest.fixture
def favorite(owner):
    return FavoriteFactory(user=owner, listing=ListingFactory(title="Owner's flat"))


# --- the access matrix: owner, another buyer, an agent, anonymous ---------------------------


def test_owner_lists_their_favourites(api_client, owner, favorite):
    api_client.force_authenticate(owner)

    response = api_client.get(URL)

    assert response.status_code == 200
    assert [item["listing"]["id"] for item in response.json()["results"]] == [favorite.listing_id]


def test_another_buyer_lists_only_their_own(api_client, favorite):
    other = BuyerFactory()
    theirs = FavoriteFactory(user=other)
    api_client.force_authenticate(other)

    response = api_client.get(URL)

    assert [item["listing"]["id"] for item in response.json()["results"]] == [theirs.listing_id]


def test_another_buyer_cannot_delete_the_owners_favourite(api_client, favorite):
    api_client.force_authenticate(BuyerFactory())

    response = api_client.delete(_item_url(favorite.listing_id))

    assert response.status_code == 404
    assert Favorite.objects.filter(pk=favorite.pk).exists()


def test_another_buyer_saving_the_same_flat_makes_their_own(api_client, favorite):
    other = BuyerFactory()
    api_client.force_authenticate(other)

    response = api_client.post(URL, {"listing": favorite.listing_id}, format="json")

    assert response.status_code == 201
    assert Favorite.objects.filter(listing=favorite.listing).count() == 2


@pytest.mark.parametrize(("method", "path"), [("get", URL), ("post", URL), ("delete", "item")])
def test_an_agent_is_refused_everywhere(api_client, favorite, method, path):
    api_client.force_authenticate(favorite.listing.agent)
    url = _item_url(favorite.listing_id) if path == "item" else path

    response = getattr(api_client, method)(url, {"listing": favorite.listing_id}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only buyers save flats."}
    assert Favorite.objects.count() == 1


@pytest.mark.parametrize(("method", "path"), [("get", URL), ("post", URL), ("delete", "item")])
def test_anonymous_is_asked_to_authenticate_everywhere(api_client, favorite, method, path):
    url = _item_url(favorite.listing_id) if path == "item" else path

    response = getattr(api_client, method)(url, {"listing": favorite.listing_id}, format="json")

    assert response.status_code == 401
    assert Favorite.objects.count() == 1


# --- what each endpoint does ---------------------------------------------------------------------


def test_post_creates_201_then_answers_200_with_the_same(api_client, owner):
    listing = ListingFactory()
    api_client.force_authenticate(owner)

    first = api_client.post(URL, {"listing": listing.pk}, format="json")
    again = api_client.post(URL, {"listing": listing.pk}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["listing"]["id"] == listing.pk
    assert first.json()["listing"]["is_favorite"] is True
    assert Favorite.objects.filter(user=owner).count() == 1


@pytest.mark.parametrize("listing_id", ["draft", "missing", "text"])
def test_post_a_draft_or_unknown_listing_is_400_naming_the_field(api_client, owner, listing_id):
    ids = {"draft": ListingFactory(draft=True).pk, "missing": 999_999, "text": "abc"}
    api_client.force_authenticate(owner)

    response = api_client.post(URL, {"listing": ids[listing_id]}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["listing"]


def test_post_a_sold_flat_is_400_with_the_reason(api_client, owner):
    api_client.force_authenticate(owner)

    response = api_client.post(
        URL, {"listing": ListingFactory(status=Listing.Status.SOLD).pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"listing": ["This flat is no longer on the market."]}


def test_delete_removes_by_listing_id_then_is_404(api_client, owner, favorite):
    api_client.force_authenticate(owner)

    first = api_client.delete(_item_url(favorite.listing_id))
    again = api_client.delete(_item_url(favorite.listing_id))

    assert (first.status_code, again.status_code) == (204, 404)
    assert not Favorite.objects.exists()


def test_list_items_are_cards_with_status_and_cover_and_sold_ones_stay(api_client, owner):
    sold = FavoriteFactory(user=owner, listing=ListingFactory(status=Listing.Status.SOLD))
    active = FavoriteFactory(user=owner)
    back_in_draft = FavoriteFactory(user=owner)
    Listing.objects.filter(pk=back_in_draft.listing_id).update(status=Listing.Status.DRAFT)
    api_client.force_authenticate(owner)

    results = api_client.get(URL).json()["results"]

    assert [(r["listing"]["id"], r["listing"]["status"]) for r in results] == [
        (active.listing_id, "active"),
        (sold.listing_id, "sold"),
    ]
    assert set(results[0]) == {"listing", "saved_at"}
    assert {"cover", "price", "city", "price_cut_recently", "is_favorite"} <= set(
        results[0]["listing"]
    )
    assert all(r["listing"]["is_favorite"] for r in results)


def test_list_pages_with_cursors(api_client, owner):
    FavoriteFactory.create_batch(5, user=owner)
    api_client.force_authenticate(owner)

    first = api_client.get(URL, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()
    third = api_client.get(second["next"]).json()

    ids = [r["listing"]["id"] for page in (first, second, third) for r in page["results"]]
    assert len(ids) == len(set(ids)) == 5
    assert third["next"] is None


@pytest.mark.parametrize("page_size", [5, 50])
def test_list_costs_the_same_whatever_the_page_size(
    api_client, owner, django_assert_num_queries, page_size
):
    FavoriteFactory.create_batch(60, user=owner)
    api_client.force_authenticate(owner)
    cache.clear()

    # The page of favourites; their listings with card data (one prefetch).
    with django_assert_num_queries(2):
        response = api_client.get(URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


def test_the_search_api_says_which_flats_the_buyer_saved(api_client, owner, favorite):
    ListingFactory()
    api_client.force_authenticate(owner)

    results = api_client.get("/api/v1/listings/").json()["results"]

    assert {r["id"]: r["is_favorite"] for r in results} == {
        r["id"]: r["id"] == favorite.listing_id for r in results
    }


def test_the_api_detail_says_whether_the_buyer_saved_it(api_client, owner, favorite):
    api_client.force_authenticate(owner)
    mine = api_client.get(f"/api/v1/listings/{favorite.listing_id}/").json()
    api_client.force_authenticate(BuyerFactory())
    someone_elses = api_client.get(f"/api/v1/listings/{favorite.listing_id}/").json()

    assert (mine["is_favorite"], someone_elses["is_favorite"]) == (True, False)


def test_agents_get_no_favourite_flags(api_client, favorite):
    api_client.force_authenticate(AgentFactory())

    results = api_client.get("/api/v1/listings/").json()["results"]

    assert [r["is_favorite"] for r in results] == [False]
