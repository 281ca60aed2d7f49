"""Playwright fixtures: one headless Chromium for the session, a fresh context per test.

Pages must ask no host but the live server: every other request is blocked and recorded,
and the tests assert that none was made.
"""

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

# The same path the root conftest checks before it lets browser tests run.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class RequestLog:
    """What the page asked for that it should not have."""

    other_hosts: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def playwright_instance():
    """Playwright for one test module; the other tests never run beside its event loop."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop running in this thread, so
    # Django's async-safety check would refuse every ORM call the test makes. The calls
    # really are synchronous: say so, only while Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def request_log():
    return RequestLog()


@pytest.fixture
def context(browser, live_server, request_log):
    """A fresh context (no cookies) reading English, that may only talk to the live server."""
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    # Generous: on a CI machine whose two cores are busy, a page of the live server can take
    # several seconds; a real failure still fails, only later.
    context.set_default_timeout(20_000)
    allowed = urlsplit(live_server.url).netloc

    def only_live_server(route):
        url = route.request.url
        if urlsplit(url).netloc == allowed:
            route.continue_()
        else:
            request_log.other_hosts.append(url)
            route.abort()

    context.route("**/*", only_live_server)
    yield context
    context.close()


@pytest.fixture
def page(context, request_log):
    page = context.new_page()
    page.on(
        "response",
        lambda response: (
            request_log.server_errors.append(f"{response.status} {response.url}")
            if response.status >= 500
            else None
        ),
    )
    return page
