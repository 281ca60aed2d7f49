"""A buyer far away opens the purchase of a flat; the agent accepts and ticks the checks, with
the registry extract as a PDF; the buyer confirms the deposit only once they are done; the
last step sells the flat, and the buyer starts its renovation."""

import pytest
from django.core.files.storage import storages
from playwright.sync_api import expect

from purchases.models import StepDocument
from tests.accounts.factories import PASSWORD, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.purchases.factories import pdf_bytes

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def log_out(page):
    page.locator("header").get_by_role("button", name="Log out").click()


def open_the_purchase(page):
    page.locator("header").get_by_role("link", name="Purchases").click()
    page.locator(".purchase-title").first.click()


def step(page, name):
    return page.locator(".purchase-step").filter(has=page.locator(".step-name", has_text=name))


def set_step(page, name, status="done"):
    item = step(page, name)
    item.locator("summary", has_text="Update").click()
    item.get_by_label("Status").select_option(status)
    item.get_by_role("button", name="Save the step").click()
    expect(step(page, name).locator(".step-status")).to_contain_text(
        "Done" if status == "done" else "Not needed"
    )


def test_agent_ticks_buyer_confirms_deposit_flat_sold_renovation(
    page, request_log, tmp_path, monkeypatch, photo_storage
):
    monkeypatch.setattr(StepDocument._meta.get_field("file"), "storage", storages["private"])
    listing = ListingFactory(title="Xiangyang 2-room, 5/6")
    buyer = BuyerFactory(username="xiaozhou")
    extract = tmp_path / "extract.pdf"
    extract.write_bytes(pdf_bytes())

    # The buyer opens the purchase from the flat's page.
    log_in(page, buyer.username)
    page.goto(listing.get_absolute_url())
    page.get_by_role("button", name="Start the purchase checklist").click()
    expect(page.locator(".purchase-status")).to_have_text("Waiting for the other party")
    log_out(page)

    # The agent accepts (the flat is reserved) and ticks the viewing and the three checks.
    log_in(page, listing.agent.username)
    open_the_purchase(page)
    page.get_by_role("button", name="Accept: go through this purchase").click()
    expect(page.locator(".purchase-status")).to_have_text("In progress")
    set_step(page, "Video viewing done")
    set_step(page, "Ownership certificate")
    registry = step(page, "No mortgage or seizure")
    registry.locator("summary", has_text="Add a PDF or photo").click()
    registry.get_by_label("PDF or photo").set_input_files(str(extract))
    registry.get_by_label("Title (optional)").fill("查档 registry extract")
    registry.get_by_role("button", name="Upload").click()
    expect(step(page, "No mortgage or seizure").locator(".step-files")).to_contain_text(
        "查档 registry extract"
    )
    set_step(page, "No mortgage or seizure")
    log_out(page)

    # The buyer is told why the deposit waits: the arrears are not checked yet.
    log_in(page, buyer.username)
    open_the_purchase(page)
    expect(step(page, "Deposit").locator(".money-warning")).to_contain_text("Heating and property")
    log_out(page)

    log_in(page, listing.agent.username)
    open_the_purchase(page)
    set_step(page, "Heating and property fees")
    log_out(page)

    # Now the buyer confirms the deposit.
    log_in(page, buyer.username)
    open_the_purchase(page)
    expect(step(page, "Deposit").locator(".money-warning")).to_have_count(0)
    set_step(page, "Deposit")
    expect(page.locator(".purchase-progress progress")).to_have_attribute("value", "56")
    log_out(page)

    # The agent finishes the agent's steps; the buyer confirms the transfer: it is complete.
    log_in(page, listing.agent.username)
    open_the_purchase(page)
    set_step(page, "Notarised power of attorney", "not_needed")
    set_step(page, "Contract signed")
    set_step(page, "Handover")
    log_out(page)
    log_in(page, buyer.username)
    open_the_purchase(page)
    set_step(page, "Taxes paid and transfer registered")
    expect(page.locator(".purchase-status")).to_have_text("Completed")
    page.goto(listing.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Sold")
    open_the_purchase(page)

    # The buyer starts the flat's renovation from the purchase.
    page.get_by_role("button", name="Start the renovation project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Renovation: Xiangyang 2-room, 5/6, 52 m²"
    )
    expect(page.locator(".task-name")).to_have_count(8)
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
