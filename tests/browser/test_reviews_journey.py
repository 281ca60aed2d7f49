"""A buyer whose purchase is complete rates the agent; the agent answers; the flat's page shows
the agent's average."""

import pytest
from playwright.sync_api import expect

from reviews.models import Review
from tests.accounts.factories import PASSWORD
from tests.reviews.factories import completed_purchase

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def log_out(page):
    page.locator("header").get_by_role("button", name="Log out").click()


def test_the_buyer_rates_the_agent_and_the_agent_answers(page, request_log):
    purchase = completed_purchase()

    # From the completed purchase's page, the buyer writes a review; a missing rating comes
    # back with the text kept.
    log_in(page, purchase.buyer.username)
    page.goto(purchase.get_absolute_url())
    page.get_by_role("link", name="Rate the agent").click()
    page.get_by_label("Your review").fill("每一步都视频给我看，很放心。")
    page.get_by_role("button", name="Publish the review").click()
    expect(page.get_by_label("Your review")).to_have_value("每一步都视频给我看，很放心。")
    page.get_by_label("★★★★★", exact=True).check()
    page.get_by_role("button", name="Publish the review").click()
    expect(page.locator(".review").first).to_contain_text("每一步都视频给我看，很放心。")
    expect(page.locator(".agent-rating")).to_contain_text("1 review")
    log_out(page)

    # The agent answers from their reviews page, once.
    log_in(page, purchase.agent.username)
    page.goto(f"/agents/{purchase.agent_id}/reviews/")
    review = page.locator(".review").first
    review.get_by_text("Answer this review").click()
    review.get_by_label("Your answer").fill("谢谢您的信任！")
    review.get_by_role("button", name="Publish the answer").click()
    expect(page.locator(".review-answer")).to_contain_text("谢谢您的信任！")
    expect(page.get_by_text("Answer this review")).to_have_count(0)
    log_out(page)

    # Anyone reading the flat's page sees the agent's average and count.
    page.goto(purchase.listing.get_absolute_url())
    expect(page.locator(".agent-card .agent-rating")).to_contain_text("★ 5.0")
    assert Review.objects.get().answer == "谢谢您的信任！"
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
