"""A visitor saves a flat, logs in and comes back; saving and unsaving then happen in place."""

import pytest
from playwright.sync_api import expect

from favorites.models import Favorite
from listings import services
from listings.models import Listing
from tests.accounts.factories import PASSWORD, BuyerFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.browser


def test_save_from_search_log_in_come_back_then_unsave_without_reload(page, request_log):
    buyer = BuyerFactory(username="zhou")
    first = ListingFactory(title="Xiangyang 2-room", price=46_000)
    second = ListingFactory(title="Gongnong 1-room", price=31_000)
    services.listing_update(listing=first, by=first.agent, data={"price": 43_000})

    # A visitor presses Save on a card, logs in, and is back on the search with it saved.
    page.goto("/listings/?ordering=price")
    card = page.locator(".card", has_text="Xiangyang 2-room")
    expect(card.locator(".mark-price-cut")).to_have_text("Price cut")
    card.get_by_role("button", name="Save").click()
    page.get_by_label("Username").fill(buyer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    assert page.url.endswith("/listings/?ordering=price")
    card = page.locator(".card", has_text="Xiangyang 2-room")
    expect(card.get_by_role("button", name="Saved")).to_have_attribute("aria-pressed", "true")

    # Signed in, the script saves and unsaves in place: the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    other = page.locator(".card", has_text="Gongnong 1-room")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_role("button", name="Saved")).to_have_attribute("aria-pressed", "true")
    card.get_by_role("button", name="Saved").click()
    expect(card.get_by_role("button", name="Save")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.notReloaded === true")
    assert set(Favorite.objects.values_list("listing_id", flat=True)) == {second.pk}

    # The saved flats page keeps a sold one, marked as such.
    services.listing_set_status(listing=second, by=second.agent, status=Listing.Status.SOLD)
    page.locator("header").get_by_role("link", name="Saved flats").click()
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card .mark-off-market")).to_have_text("Sold")
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
