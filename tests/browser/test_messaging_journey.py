"""A buyer asks an agent about a flat; the agent answers; the buyer reads the answer."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.browser

SCRIPT = '<script>window.walkupPwned = true</script><img src=x onerror="window.walkupPwned=true">'


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def log_out(page):
    page.locator("header").get_by_role("button", name="Log out").click()


def test_buyer_asks_agent_answers_buyer_reads_and_no_script_runs(page, request_log):
    agent = AgentFactory(username="wang", first_name="Jianguo", last_name="Wang")
    buyer = BuyerFactory(username="zhou")
    listing = ListingFactory(agent=agent, title="Xiangyang 2-room, floor 5 of 6")

    # A visitor types a question, is sent to log in, and finds it waiting.
    page.goto(listing.get_absolute_url())
    page.get_by_label("Your message").fill(f"Is it still for sale? {SCRIPT}")
    page.get_by_role("button", name="Log in and send").click()
    page.get_by_label("Username").fill(buyer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Your message")).to_have_value(f"Is it still for sale? {SCRIPT}")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".message-body")).to_contain_text(
        "<script>window.walkupPwned = true</script>"
    )
    log_out(page)

    # The agent sees the unread badge, opens the conversation and answers.
    log_in(page, agent.username)
    expect(page.locator("header .badge-unread").first).to_have_text("1")
    page.locator("header").get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name=listing.title).click()
    expect(page.locator(".message-body")).to_contain_text("Is it still for sale?")
    assert page.evaluate("window.walkupPwned === undefined")
    page.get_by_label("Your message").fill("Yes, viewing by video any evening.")
    page.get_by_role("button", name="Send", exact=True).click()
    log_out(page)

    # The buyer is told, and reads the answer.
    log_in(page, buyer.username)
    expect(page.locator("header .badge-unread").first).to_have_text("1")
    page.locator("header").get_by_role("link", name="Inbox").click()
    expect(page.locator(".inbox-last")).to_contain_text("Yes, viewing by video any evening.")
    page.get_by_role("link", name=listing.title).click()
    expect(page.locator(".message-bubble").last).to_contain_text("viewing by video")
    assert page.evaluate("window.walkupPwned === undefined")
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
