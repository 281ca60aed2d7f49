"""A buyer books a video viewing from the listing page; the agent confirms it on their page."""

from datetime import time

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.viewings.factories import WeeklyHoursFactory
from viewings.models import Viewing

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def log_out(page):
    page.locator("header").get_by_role("button", name="Log out").click()


def test_buyer_books_a_viewing_and_the_agent_confirms_it(page, request_log):
    agent = AgentFactory(username="wang")
    for weekday in range(7):  # any day the test runs, the agent has free times ahead
        WeeklyHoursFactory(agent=agent, weekday=weekday, starts=time(0), ends=time(23, 30))
    buyer = BuyerFactory(username="zhou")
    listing = ListingFactory(agent=agent, title="Xiangyang 2-room, floor 5 of 6")

    # The buyer picks the first free time on the flat's page and books it by WeChat video.
    log_in(page, buyer.username)
    page.goto(listing.get_absolute_url())
    booking = page.locator("#viewing")
    expect(booking.get_by_role("heading", name="Book a video viewing")).to_be_visible()
    booking.locator('input[name="starts_at"]').first.check()
    booking.get_by_label("WeChat video").check()
    booking.get_by_label("Your WeChat id or phone number").fill("wx_zhou_2026")
    booking.get_by_label("Note for the agent (optional)").fill("Please show the radiators.")
    booking.get_by_role("button", name="Book the viewing").click()
    expect(page.locator(".viewing-row")).to_contain_text("Waiting for the agent")
    log_out(page)

    # The agent sees the request on their viewings page and confirms it.
    log_in(page, agent.username)
    page.locator("header").get_by_role("link", name="Viewings").click()
    row = page.locator(".viewing-row").first
    expect(row).to_contain_text("wx_zhou_2026")
    expect(row).to_contain_text("Please show the radiators.")
    row.get_by_role("button", name="Confirm").click()
    expect(page.locator(".viewing-row").first).to_contain_text("Confirmed")
    log_out(page)

    # The buyer sees it confirmed, with its calendar file.
    log_in(page, buyer.username)
    page.locator("header").get_by_role("link", name="Viewings").click()
    row = page.locator(".viewing-row").first
    expect(row).to_contain_text("Confirmed")
    expect(row.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    assert Viewing.objects.get().status == Viewing.Status.CONFIRMED
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
