"""A buyer who forgot the password: locked out, resets it by email, logs out everywhere."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.accounts.factories import BuyerFactory

pytestmark = pytest.mark.browser

NEW_PASSWORD = "snowy-hegang-flat-1987"


def test_locked_out_buyer_resets_the_password_and_logs_out_everywhere(
    page, request_log, live_server, settings
):
    settings.LOGIN_FAILURES_PER_USERNAME = "3/d"
    settings.SITE_URL = live_server.url
    buyer = BuyerFactory(username="zhou", email="zhou@example.com", first_name="Zhou")

    # Three wrong guesses: the page says when to come back and keeps the username.
    page.goto("/accounts/login/")
    for guess in ("hegang-1", "hegang-2", "hegang-3"):
        page.get_by_label("Password").fill(guess)
        page.get_by_label("Username").fill(buyer.username)
        page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Too many failed log-ins. Try again in 1 minute."
    )
    expect(page.get_by_label("Username")).to_have_value("zhou")

    # The reset link comes by email and works.
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("zhou@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = re.search(r"http://\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Password set")).to_be_visible()

    # The reset lifted the lock-out: the new password logs in at once.
    page.locator("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(buyer.username)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.locator("header")).to_contain_text("Zhou")

    # From the account page, log out of every device.
    page.locator("header").get_by_role("link", name="Zhou").click()
    page.get_by_role("link", name="Change password or log out of all devices").click()
    page.get_by_role("button", name="Log out of all devices").click()
    expect(page.get_by_role("status")).to_contain_text(
        "You are logged out on every device and in every app."
    )
    expect(page.locator("header").get_by_role("link", name="Log in")).to_be_visible()
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
