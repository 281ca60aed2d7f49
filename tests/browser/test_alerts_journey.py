"""A buyer saves a search; an agent publishes a matching flat; the beat task runs; the buyer
sees the notification and opens the flat."""

import pytest
from playwright.sync_api import expect

from alerts.models import SavedSearch
from alerts.tasks import match_saved_searches
from listings import services as listing_services
from listings.models import Listing
from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory
from tests.listings.factories import CityFactory, DistrictFactory

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def test_a_saved_search_tells_the_buyer_of_a_new_flat(page, request_log, live_server):
    hegang = CityFactory(slug="hegang", name="Hegang", name_zh="鹤岗")
    xingshan = DistrictFactory(city=hegang, name="Xingshan", name_zh="兴山区")
    agent = AgentFactory(username="wang")
    buyer = BuyerFactory(username="zhou", language="en")

    # The buyer searches Hegang under ¥50,000 and saves the search with instant alerts.
    log_in(page, buyer.username)
    page.goto("/listings/?city=hegang&price_max=50000")
    save = page.locator(".save-search")
    expect(save.get_by_label("Name")).to_have_value("Hegang · up to ¥50,000")
    save.get_by_label("Name").fill("Hegang under 50k")
    save.get_by_label("Alerts").select_option("instant")
    save.get_by_role("button", name="Save this search").click()
    expect(page.locator(".messages")).to_contain_text("Search saved as “Hegang under 50k”.")
    assert SavedSearch.objects.get().params == {"city": "hegang", "price_max": "50000"}

    # An agent publishes a matching flat and a too dear one; the beat task runs.
    def publish(title, price):
        return listing_services.listing_create(
            by=agent,
            data={
                "city": hegang,
                "district": xingshan,
                "title": title,
                "price": price,
                "area_m2": 52,
                "rooms": 2,
                "floor": 5,
                "total_floors": 6,
                "status": Listing.Status.ACTIVE,
            },
        )

    flat = publish("Xingshan 2-room, floor 5 of 6", 42_000)
    publish("Too dear for the buyer", 65_000)
    assert match_saved_searches.delay().get()["matches"] == 1

    # The buyer sees one notification for the run, naming the flat, and opens the flat.
    page.goto("/listings/")
    expect(page.locator("header .badge-unread").first).to_have_text("1")
    page.locator("header").get_by_role("link", name="Notifications").click()
    notification = page.get_by_role("button", name="1 new flat matches “Hegang under 50k”")
    expect(notification).to_be_visible()
    expect(page.get_by_text("Too dear for the buyer")).to_have_count(0)
    page.get_by_role("link", name="Xingshan 2-room, floor 5 of 6, ¥42,000").click()
    expect(page).to_have_url(live_server.url + flat.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Xingshan 2-room, floor 5 of 6")

    # Their saved searches page lists it and opens the search again.
    page.locator("header").get_by_role("link", name="Saved searches").click()
    page.get_by_role("link", name="Hegang under 50k").click()
    expect(page.locator(".result-count")).to_have_text("1 flat found")
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
