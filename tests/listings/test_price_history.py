"""Every price change is recorded by `listing_update`, whichever way it came; cuts are marked."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from listings import services
from listings.models import Listing, ListingPriceChange
from listings.selectors import listing_cards
from tests.accounts.factories import AgentFactory
from tests.admin.test_listing_admin import _action, _form_data
from tests.listings.factories import DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _history(listing) -> list[tuple[int, int]]:
    return list(
        ListingPriceChange.objects.filter(listing=listing)
        .order_by("changed_at", "id")
        .values_list("old_price", "new_price")
    )


def _frozen(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


# --- the service -------------------------------------------------------------------------------


def test_a_price_change_is_recorded_with_old_new_and_when():
    listing = ListingFactory(price=46_000)

    with _frozen(NOW):
        services.listing_update(listing=listing, by=listing.agent, data={"price": 42_000})

    [change] = ListingPriceChange.objects.filter(listing=listing)
    assert (change.old_price, change.new_price, change.changed_at) == (46_000, 42_000, NOW)
    assert change.is_cut


def test_no_row_when_the_price_does_not_change():
    listing = ListingFactory(price=46_000)

    services.listing_update(
        listing=listing, by=listing.agent, data={"price": 46_000, "title": "Sunny flat"}
    )
    services.listing_update(listing=listing, by=listing.agent, data={"rooms": 3})

    assert _history(listing) == []


def test_the_first_price_is_not_a_change():
    agent = AgentFactory()
    district = DistrictFactory()

    created = services.listing_create(
        by=agent,
        data={
            "city": district.city,
            "district": district,
            "title": "New flat",
            "price": 46_000,
            "area_m2": "52.00",
            "rooms": 2,
            "floor": 5,
            "total_floors": 6,
            "status": Listing.Status.ACTIVE,
        },
    )

    assert _history(created) == []


def test_successive_changes_each_record_the_price_before_them():
    listing = ListingFactory(price=46_000)

    services.listing_update(listing=listing, by=listing.agent, data={"price": 42_000})
    services.listing_update(listing=listing, by=listing.agent, data={"price": 44_000})

    assert _history(listing) == [(46_000, 42_000), (42_000, 44_000)]


def test_the_old_price_is_the_stored_one_even_if_the_callers_copy_was_changed():
    listing = ListingFactory(price=46_000)
    listing.price = 40_000  # a caller's copy that already carries the new value

    services.listing_update(listing=listing, by=listing.agent, data={"price": 40_000})

    assert _history(listing) == [(46_000, 40_000)]


def test_a_refused_change_records_nothing():
    listing = ListingFactory(price=46_000, floor=5, total_floors=6)

    with pytest.raises(ValidationError):
        services.listing_update(
            listing=listing, by=listing.agent, data={"price": 40_000, "floor": 9}
        )

    assert _history(listing) == []


# --- the admin -----------------------------------------------------------------------------------


def test_the_admin_change_form_records_the_change(client):
    agent = AgentFactory()
    listing = ListingFactory(agent=agent, price=46_000)
    client.force_login(agent)

    response = client.post(
        reverse("admin:listings_listing_change", args=[listing.pk]),
        _form_data(listing, price=39_000),
    )

    assert response.status_code == 302
    assert _history(listing) == [(46_000, 39_000)]


def test_the_admin_change_form_without_a_price_change_records_nothing(client):
    agent = AgentFactory()
    listing = ListingFactory(agent=agent, price=46_000)
    client.force_login(agent)

    client.post(
        reverse("admin:listings_listing_change", args=[listing.pk]),
        _form_data(listing, title="Renamed"),
    )

    assert Listing.objects.get(pk=listing.pk).title == "Renamed"
    assert _history(listing) == []


def test_admin_status_actions_change_no_price_and_record_nothing(client):
    # The admin's actions only change statuses; none touches a price.
    agent = AgentFactory()
    listing = ListingFactory(agent=agent, price=46_000)
    client.force_login(agent)

    _action(client, "mark_reserved", listing)

    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.RESERVED
    assert _history(listing) == []


# --- the API ------------------------------------------------------------------------------------


def test_an_api_patch_records_the_change(api_client):
    listing = ListingFactory(price=46_000)
    api_client.force_authenticate(listing.agent)

    response = api_client.patch(f"/api/v1/listings/{listing.pk}/", {"price": 41_500}, format="json")

    assert response.status_code == 200
    assert _history(listing) == [(46_000, 41_500)]
    assert response.json()["price_history"] == [
        {
            "old_price": 46_000,
            "new_price": 41_500,
            "is_cut": True,
            "changed_at": response.json()["price_history"][0]["changed_at"],
        }
    ]


def test_the_api_detail_shows_the_history_newest_first_and_days_on_market(api_client):
    listing = ListingFactory(price=46_000, published_at=NOW - timedelta(days=30, hours=1))
    with _frozen(NOW - timedelta(days=10)):
        services.listing_update(listing=listing, by=listing.agent, data={"price": 43_000})
    with _frozen(NOW - timedelta(days=2)):
        services.listing_update(listing=listing, by=listing.agent, data={"price": 44_000})

    with _frozen(NOW):
        body = api_client.get(f"/api/v1/listings/{listing.pk}/").json()

    assert [(c["old_price"], c["new_price"], c["is_cut"]) for c in body["price_history"]] == [
        (43_000, 44_000, False),
        (46_000, 43_000, True),
    ]
    assert body["days_on_market"] == 30


# --- days on market ------------------------------------------------------------------------------


def test_days_on_market_stop_when_the_flat_leaves_the_market_and_restart_when_it_returns():
    listing = ListingFactory(published_at=NOW - timedelta(days=20))

    with _frozen(NOW - timedelta(days=5)):
        services.listing_set_status(
            listing=listing, by=listing.agent, status=Listing.Status.WITHDRAWN
        )
    with _frozen(NOW):
        off_market = Listing.objects.get(pk=listing.pk).days_on_market
    with _frozen(NOW):
        services.listing_set_status(listing=listing, by=listing.agent, status=Listing.Status.ACTIVE)
        back = Listing.objects.get(pk=listing.pk).days_on_market

    assert off_market == 15
    assert back == 20  # counted from the first publication again


def test_a_reserved_flat_is_still_on_the_market():
    listing = ListingFactory(published_at=NOW - timedelta(days=8))

    services.listing_set_status(listing=listing, by=listing.agent, status=Listing.Status.RESERVED)

    assert Listing.objects.get(pk=listing.pk).left_market_at is None


def test_a_draft_has_no_days_on_market():
    assert ListingFactory(draft=True).days_on_market is None


# --- the "price cut" mark on cards -------------------------------------------------------------


def _marked(listing, at) -> bool:
    with _frozen(at):
        return listing_cards().get(pk=listing.pk).price_cut_recently


@pytest.fixture
def cut_listing():
    listing = ListingFactory(price=46_000)
    with _frozen(NOW):
        services.listing_update(listing=listing, by=listing.agent, data={"price": 42_000})
    return listing


def test_a_cut_exactly_14_days_old_is_still_marked(cut_listing):
    assert _marked(cut_listing, NOW + timedelta(days=14)) is True


def test_a_cut_14_days_and_a_second_old_is_not_marked(cut_listing):
    assert _marked(cut_listing, NOW + timedelta(days=14, seconds=1)) is False


def test_a_raise_after_the_cut_takes_the_mark_away(cut_listing):
    with _frozen(NOW + timedelta(days=1)):
        services.listing_update(listing=cut_listing, by=cut_listing.agent, data={"price": 45_000})

    assert _marked(cut_listing, NOW + timedelta(days=2)) is False


def test_a_raise_alone_is_not_marked():
    listing = ListingFactory(price=46_000)
    with _frozen(NOW):
        services.listing_update(listing=listing, by=listing.agent, data={"price": 48_000})

    assert _marked(listing, NOW) is False


def test_a_listing_never_changed_is_not_marked():
    assert _marked(ListingFactory(), NOW) is False


def test_search_cards_and_the_api_list_show_the_mark(client, api_client, cut_listing):
    ListingFactory(title="Unchanged flat")

    with _frozen(NOW + timedelta(days=1)):
        page = client.get("/listings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        results = api_client.get("/api/v1/listings/").json()["results"]

    assert page.count('class="mark mark-price-cut"') == 1
    assert {r["id"]: r["price_cut_recently"] for r in results} == {
        cut_listing.pk: True,
        **{r["id"]: False for r in results if r["id"] != cut_listing.pk},
    }


# --- the detail page -----------------------------------------------------------------------------


def test_the_detail_page_shows_the_history_in_beijing_time_and_yuan(client):
    listing = ListingFactory(price=46_000, published_at=NOW - timedelta(days=40))
    # 20:30 UTC is already the next day in Beijing.
    late_evening_utc = (NOW - timedelta(days=3)).replace(hour=20, minute=30)
    with _frozen(late_evening_utc):
        services.listing_update(listing=listing, by=listing.agent, data={"price": 41_000})
    with _frozen(late_evening_utc + timedelta(hours=1)):
        services.listing_update(listing=listing, by=listing.agent, data={"price": 43_500})

    page = client.get(f"/listings/{listing.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    beijing_day = (late_evening_utc + timedelta(hours=8)).date().isoformat()
    assert "Price history" in page
    assert f">{beijing_day}</time>" in page
    assert "Cut by ¥5,000 (was ¥46,000)" in page
    assert "Raised by ¥2,500 (was ¥41,000)" in page
    assert "Days on market: 40" in page


def test_the_detail_page_says_when_the_price_never_changed(client):
    listing = ListingFactory()

    page = client.get(f"/listings/{listing.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "The price has not changed since the flat was listed." in page
