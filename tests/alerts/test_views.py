"""The web side: "Save this search" on the search page, and /saved-searches/ to manage them."""

import pytest
from django.urls import reverse

from alerts.models import SavedSearch
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.alerts.factories import SavedSearchFactory
from tests.listings.factories import CityFactory

pytestmark = pytest.mark.django_db
LIST = reverse("alerts:list")
CREATE = reverse("alerts:create")


@pytest.fixture
def owner():
    return BuyerFactory(username="li")


@pytest.fixture
def saved_search(owner):
    CityFactory(slug="hegang", name="Hegang")
    return SavedSearchFactory(user=owner, name="Li’s flat hunt", params={"city": "hegang"})


def log_in_as(client, viewer: str, owner):
    user = {"owner": owner, "other buyer": BuyerFactory(), "agent": AgentFactory()}.get(viewer)
    if user is not None:
        client.force_login(user)


# --- the access matrix ------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["other buyer", "agent"])
@pytest.mark.parametrize(
    ("url_name", "body"),
    [("alerts:update", {"name": "Mine now", "frequency": "none"}), ("alerts:delete", {})],
)
def test_nobody_else_changes_or_deletes_a_saved_search(
    client, owner, saved_search, viewer, url_name, body
):
    log_in_as(client, viewer, owner)

    response = client.post(reverse(url_name, args=[saved_search.pk]), body)

    assert response.status_code == 404
    saved_search.refresh_from_db()
    assert (saved_search.name, saved_search.frequency) == ("Li’s flat hunt", "instant")


@pytest.mark.parametrize("viewer", ["other buyer", "agent"])
def test_nobody_else_sees_it_on_their_page(client, owner, saved_search, viewer):
    log_in_as(client, viewer, owner)

    page = client.get(LIST).content.decode()

    assert saved_search.name not in page
    assert "No saved searches yet." in page


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        reverse("alerts:update", args=[1]),
        reverse("alerts:delete", args=[1]),
        CREATE,
    ],
)
def test_anonymous_is_sent_to_log_in_everywhere(client, saved_search, url):
    method = client.get if url == LIST else client.post

    response = method(url, {"name": "x", "frequency": "none"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert SavedSearch.objects.get().name == "Li’s flat hunt"


def test_the_owner_renames_changes_alerts_and_deletes(client, owner, saved_search):
    client.force_login(owner)

    page = client.get(LIST).content.decode()
    renamed = client.post(
        reverse("alerts:update", args=[saved_search.pk]),
        {"name": "Cheap Hegang", "frequency": "daily"},
    )
    saved_search.refresh_from_db()
    deleted = client.post(reverse("alerts:delete", args=[saved_search.pk]), follow=True)

    assert 'href="/listings/?city=hegang"' in page
    assert renamed.status_code == 302
    assert (saved_search.name, saved_search.frequency) == ("Cheap Hegang", "daily")
    assert "Saved search “Cheap Hegang” deleted." in deleted.content.decode()
    assert not SavedSearch.objects.exists()


def test_a_blank_name_comes_back_with_the_message_and_the_typed_frequency(
    client, owner, saved_search
):
    client.force_login(owner)

    response = client.post(
        reverse("alerts:update", args=[saved_search.pk]), {"name": " ", "frequency": "daily"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert '<option value="daily" selected>' in page
    saved_search.refresh_from_db()
    assert saved_search.name == "Li’s flat hunt"


@pytest.mark.parametrize("count", [2, 12])
def test_the_page_runs_the_same_queries_whatever_the_number_of_searches(
    client, owner, count, django_assert_num_queries
):
    SavedSearchFactory.create_batch(count, user=owner)
    client.force_login(owner)

    # session, user, the searches, unread messages and notifications badges
    with django_assert_num_queries(5):
        response = client.get(LIST)

    assert response.content.decode().count('class="saved-search"') == count


# --- saving from the search page --------------------------------------------------------


def test_the_search_page_offers_to_save_its_filters(client, owner):
    CityFactory(slug="hegang", name="Hegang")
    client.force_login(owner)

    page = client.get(
        reverse("listings:search"), {"city": "hegang", "price_max": "50000", "page": "2"}
    ).content.decode()

    assert "Save this search" in page
    assert '<input type="hidden" name="city" value="hegang">' in page
    assert '<input type="hidden" name="price_max" value="50000">' in page
    assert 'name="page"' not in page.split("save-search-heading")[1]
    assert 'value="Hegang · up to ¥50,000"' in page  # a name to start from


def test_a_visitor_is_asked_to_log_in_to_save(client):
    page = client.get(reverse("listings:search"), {"price_max": "50000"}).content.decode()

    assert "Log in to save this search" in page
    assert "/accounts/login/?next=/listings/%3Fprice_max%3D50000" in page


def test_a_search_with_wrong_filters_cannot_be_saved_from_the_page(client, owner):
    client.force_login(owner)

    page = client.get(reverse("listings:search"), {"price_max": "cheap"}).content.decode()

    assert "Save this search" not in page


def test_saving_keeps_the_filters_and_shows_the_search(client, owner):
    CityFactory(slug="hegang")
    client.force_login(owner)

    response = client.post(
        CREATE,
        {"name": "Hegang", "frequency": "daily", "city": "hegang", "price_max": "50000"},
        follow=True,
    )

    saved = SavedSearch.objects.get()
    assert (saved.user, saved.params, saved.frequency) == (
        owner,
        {"city": "hegang", "price_max": "50000"},
        "daily",
    )
    assert response.redirect_chain[-1][0] == "/listings/?city=hegang&price_max=50000"
    assert "Search saved as “Hegang”." in response.content.decode()


def test_saving_past_the_cap_comes_back_with_the_message_and_what_was_typed(
    client, owner, settings
):
    settings.SAVED_SEARCHES_PER_BUYER = 1
    SavedSearchFactory(user=owner)
    client.force_login(owner)

    response = client.post(CREATE, {"name": "鹤岗两室", "frequency": "daily", "rooms": "2"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "You already keep 1 saved searches, the most one person may keep." in page
    assert "鹤岗两室" in page
    assert SavedSearch.objects.filter(user=owner).count() == 1


def test_saving_without_a_name_comes_back_with_the_filters_kept(client, owner):
    client.force_login(owner)

    response = client.post(CREATE, {"name": "", "frequency": "daily", "price_max": "50000"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert '<input type="hidden" name="price_max" value="50000">' in page
    assert not SavedSearch.objects.exists()


def test_saving_a_tampered_filter_is_refused_naming_it(client, owner):
    client.force_login(owner)

    response = client.post(CREATE, {"name": "x", "frequency": "daily", "rooms": "99"})

    assert response.status_code == 400
    assert "rooms: Ensure this value is less than or equal to 20." in response.content.decode()
    assert not SavedSearch.objects.exists()
