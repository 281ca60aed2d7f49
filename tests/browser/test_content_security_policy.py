"""The main pages in a real browser under the site's Content-Security-Policy: nothing refused.

Chromium reports what a policy blocks both in the console and as `securitypolicyviolation`
events; both are recorded, for every page, and must stay empty.
"""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, SuperuserFactory
from tests.listings.factories import ListingFactory
from tests.photos.factories import ListingPhotoFactory
from tests.renovations.factories import ExpenseFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def violations(context, page):
    """Everything the policy refused, from the console and from the page's own events."""
    found: list[str] = []
    context.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            found.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )

    def collect() -> list[str]:
        return found + page.evaluate("window.__cspViolations || []")

    return collect


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def visit(page, url, violations, seen: dict):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    seen[url] = violations()


def test_the_main_pages_break_no_rule_of_the_policy(page, violations, request_log):
    listing = ListingFactory(title="Sunny walk-up")
    ListingPhotoFactory.create_batch(2, listing=listing, ready=True)
    project = ProjectFactory(title="Xiangyang 2-room", budget=20_000)
    TaskFactory(project=project, estimated_cost=12_000)
    ExpenseFactory(project=project, amount=23_000)
    seen: dict[str, list[str]] = {}

    for url in ("/", "/listings/", listing.get_absolute_url(), "/accounts/login/", "/admin/login/"):
        visit(page, url, violations, seen)

    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    seen["/api/docs/"] = violations()

    # The owner's renovation page, with its inline SVG chart drawn by the stylesheet.
    log_in(page, project.owner.username)
    visit(page, f"/renovations/{project.pk}/", violations, seen)
    bar = page.locator(".budget-chart rect.chart-bar").first
    expect(bar).to_be_visible()
    assert bar.bounding_box()["width"] > 0
    assert bar.evaluate("bar => getComputedStyle(bar).fill") != "rgb(0, 0, 0)"
    for url in ("/", "/listings/", listing.get_absolute_url(), "/favorites/"):
        visit(page, url, violations, seen)

    assert {url: found for url, found in seen.items() if found} == {}
    assert request_log.other_hosts == []
    assert request_log.server_errors == []


def test_the_admin_breaks_no_rule_of_the_policy(page, violations, request_log):
    admin = SuperuserFactory(username="admin")
    listing = ListingFactory()
    seen: dict[str, list[str]] = {}

    page.goto("/admin/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for url in (
        "/admin/",
        "/admin/listings/listing/",
        f"/admin/listings/listing/{listing.pk}/change/",
        "/admin/listings/listing/add/",
    ):
        visit(page, url, violations, seen)

    assert {url: found for url, found in seen.items() if found} == {}
    assert request_log.server_errors == []
