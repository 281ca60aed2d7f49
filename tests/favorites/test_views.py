"""The web side: the Save button on cards and pages (with and without script), /favorites/."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from favorites.models import Favorite
from favorites.services import favorite_add
from listings.models import Listing
from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory
from tests.favorites.factories import FavoriteFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

LIST = reverse("favorites:list")
JSON = {"HTTP_ACCEPT": "application/json"}


def _set_url(listing) -> str:
    return reverse("favorites:set", args=[listing.pk])


@pytest.fixture
def owner():
    return BuyerFactory()


@pytest.fixture
def favorite(owner):
    return FavoriteFactory(user=owner, listing=ListingFactory(title="Owner's flat"))


# --- the access matrix: owner, another buyer, an agent, anonymous ---------------------------


def test_the_owner_sees_their_saved_flats(client, owner, favorite):
    client.force_login(owner)

    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Owner&#x27;s flat" in response.content.decode()


def test_another_buyer_does_not_see_the_owners_saved_flats(client, favorite):
    client.force_login(BuyerFactory())

    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Owner&#x27;s flat" not in page
    assert "No saved flats yet." in page


def test_another_buyer_unsaving_touches_only_their_own(client, favorite):
    client.force_login(BuyerFactory())

    client.post(_set_url(favorite.listing), {"saved": "0"})

    assert Favorite.objects.filter(pk=favorite.pk).exists()


def test_an_agent_has_no_saved_flats_page_and_cannot_save(client, favorite):
    agent = AgentFactory()
    client.force_login(agent)

    page = client.get(LIST)
    saved = client.post(_set_url(favorite.listing), {"saved": "1"}, **JSON)
    unsaved = client.post(_set_url(favorite.listing), {"saved": "0"}, **JSON)

    assert page.status_code == 403
    assert saved.status_code == 400
    assert saved.json() == {"error": "Only buyers can save flats."}
    assert unsaved.status_code == 200  # nothing of theirs to remove
    assert list(Favorite.objects.values_list("user_id", flat=True)) == [favorite.user_id]


def test_anonymous_is_sent_to_log_in_from_the_page(client, favorite):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_cannot_unsave_anything(client, favorite):
    response = client.post(_set_url(favorite.listing), {"saved": "0"})

    assert response["Location"].startswith(reverse("login"))
    assert Favorite.objects.filter(pk=favorite.pk).exists()


# --- the Save button ----------------------------------------------------------------------------


def test_without_script_saving_redirects_back_to_the_page(client, owner):
    listing = ListingFactory()
    client.force_login(owner)

    response = client.post(_set_url(listing), {"saved": "1", "next": "/listings/?city=hegang"})

    assert response.status_code == 302
    assert response["Location"] == "/listings/?city=hegang"
    assert Favorite.objects.filter(user=owner, listing=listing).exists()


def test_without_script_unsaving_redirects_back(client, owner, favorite):
    client.force_login(owner)

    response = client.post(_set_url(favorite.listing), {"saved": "0", "next": LIST})

    assert response["Location"] == LIST
    assert not Favorite.objects.exists()


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_an_unsafe_next_falls_back_to_the_listing(client, owner, unsafe):
    listing = ListingFactory()
    client.force_login(owner)

    response = client.post(_set_url(listing), {"saved": "1", "next": unsafe})

    assert response["Location"] == listing.get_absolute_url()


def test_with_script_the_answer_is_json_and_no_redirect(client, owner):
    listing = ListingFactory()
    client.force_login(owner)

    saved = client.post(_set_url(listing), {"saved": "1"}, **JSON)
    unsaved = client.post(_set_url(listing), {"saved": "0"}, **JSON)

    assert (saved.status_code, saved.json()) == (200, {"saved": True})
    assert (unsaved.status_code, unsaved.json()) == (200, {"saved": False})
    assert not Favorite.objects.exists()


def test_saving_a_sold_flat_says_why(client, owner):
    listing = ListingFactory(status=Listing.Status.SOLD)
    client.force_login(owner)

    response = client.post(
        _set_url(listing), {"saved": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "This flat is no longer on the market." in response.content.decode()
    assert not Favorite.objects.exists()


def test_a_draft_cannot_be_saved_by_guessing_its_id(client, owner):
    client.force_login(owner)

    response = client.post(_set_url(ListingFactory(draft=True)), {"saved": "1"})

    assert response.status_code == 404


def test_a_get_changes_nothing(client, owner):
    client.force_login(owner)

    assert client.get(_set_url(ListingFactory())).status_code == 405
    assert not Favorite.objects.exists()


def test_a_visitor_logs_in_and_comes_back_with_the_flat_saved(client, owner):
    listing = ListingFactory()
    back = f"/listings/?city={listing.city.slug}"

    response = client.post(_set_url(listing), {"saved": "1", "next": back})
    login_url = response["Location"]
    assert login_url.startswith(reverse("login"))
    assert not Favorite.objects.exists()

    login_page = client.get(login_url)
    logged_in = client.post(
        login_url,
        {
            "username": owner.username,
            "password": PASSWORD,
            "next": login_page.context["next"],
        },
    )
    resumed = client.get(logged_in["Location"])

    assert resumed["Location"] == back
    assert Favorite.objects.filter(user=owner, listing=listing).exists()


def test_resuming_twice_saves_once_and_needs_the_earlier_click(client, owner):
    client.force_login(owner)

    response = client.get(reverse("favorites:resume"), {"next": "/listings/"})

    assert response["Location"] == "/listings/"
    assert not Favorite.objects.exists()


# --- what the pages show ------------------------------------------------------------------------


def test_cards_show_saved_and_save_with_aria_pressed(client, owner, favorite):
    other = ListingFactory()
    client.force_login(owner)

    page = client.get("/listings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert page.count('aria-pressed="true"') == 1
    assert page.count('aria-pressed="false"') == 1
    assert f'action="{_set_url(favorite.listing)}"' in page
    assert f'action="{_set_url(other)}"' in page
    assert "js/favorites" in page


def test_visitors_get_the_plain_form_without_the_script(client):
    ListingFactory()

    page = client.get("/listings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'class="save-form"' in page
    assert "data-favorite" not in page
    assert "js/favorites" not in page


def test_agents_get_no_save_button(client):
    ListingFactory()
    client.force_login(AgentFactory())

    page = client.get("/listings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'class="save-form"' not in page


def test_the_detail_page_has_the_button_in_its_state(client, owner, favorite):
    client.force_login(owner)

    page = client.get(favorite.listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert 'aria-pressed="true"' in page.content.decode()


def test_the_page_marks_sold_withdrawn_and_reserved_flats_and_hides_none(client, owner):
    for status in (Listing.Status.SOLD, Listing.Status.WITHDRAWN, Listing.Status.RESERVED):
        FavoriteFactory(user=owner, listing=ListingFactory(status=status))
    FavoriteFactory(user=owner)
    client.force_login(owner)

    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert page.count('class="card"') == 4
    for label in ("Sold", "Withdrawn", "Reserved"):
        assert f'<span class="mark mark-off-market">{label}</span>' in page


def test_the_page_speaks_chinese(client, owner, favorite):
    client.force_login(owner)

    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "收藏的房源" in page
    assert "已收藏" in page


@pytest.mark.parametrize("page_size", [5, 24])
def test_the_page_costs_the_same_whatever_the_page_size(
    client, owner, settings, django_assert_num_queries, monkeypatch, page_size
):
    monkeypatch.setattr("favorites.views.PAGE_SIZE", page_size)
    FavoriteFactory.create_batch(30, user=owner)
    client.force_login(owner)
    cache.clear()

    # Session; user; the two unread badges; the count; the page; its listings' card data.
    with django_assert_num_queries(7):
        response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")

    assert len(response.context["page"]) == page_size


def test_a_flat_off_the_market_offers_no_save_but_a_saved_one_can_be_unsaved(client, owner):
    sold = ListingFactory(status=Listing.Status.SOLD)
    saved_then_sold = FavoriteFactory(user=owner, listing=ListingFactory())
    Listing.objects.filter(pk=saved_then_sold.listing_id).update(status=Listing.Status.SOLD)
    client.force_login(owner)

    sold_page = client.get(sold.get_absolute_url()).content.decode()
    saved_page = client.get(saved_then_sold.listing.get_absolute_url()).content.decode()

    assert 'class="save-form"' not in sold_page
    assert 'aria-pressed="true"' in saved_page


@pytest.mark.parametrize(
    "status",
    [Listing.Status.ACTIVE, Listing.Status.RESERVED, Listing.Status.SOLD, Listing.Status.EXPIRED],
)
def test_the_page_offers_save_exactly_when_the_service_would_save(client, status):
    listing = ListingFactory(status=status)
    buyer = BuyerFactory()
    client.force_login(buyer)

    offered = 'class="save-form"' in client.get(listing.get_absolute_url()).content.decode()

    try:
        favorite_add(user=buyer, listing=listing)
    except ValidationError:
        saved = False
    else:
        saved = True
    assert offered is saved
