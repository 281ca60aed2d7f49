"""Buying from far away, end to end: a buyer books a video viewing of a flat and the agent
confirms it; once it took place the buyer opens the purchase, whose first step it has ticked;
the agent ticks the checks, with the registry extract as a PDF; the buyer confirms the deposit
only once they are done; the last step sells the flat, and the buyer starts its renovation."""

import pytest
from django.core.files.storage import storages
from playwright.sync_api import expect

from purchases.models import Purchase, StepDocument
from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.purchases.factories import pdf_bytes
from tests.viewings.factories import open_monday_to_saturday
from viewings.models import Viewing

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def log_out(page):
    page.locator("header").get_by_role("button", name="Log out").click()


def as_(page, user):
    """Log out whoever is in, log `user` in."""
    if page.locator("header").get_by_role("button", name="Log out").count():
        log_out(page)
    log_in(page, user.username)


def the_viewing(page):
    page.locator("header").get_by_role("link", name="Viewings").click()
    return page.locator(".viewing-row").first


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


def test_from_a_video_viewing_to_the_renovation_of_the_flat_bought(
    page, request_log, clock, tmp_path, monkeypatch, photo_storage
):
    # The clock stands at Monday 2026-03-02 10:00 in Beijing, for the live server too.
    monkeypatch.setattr(StepDocument._meta.get_field("file"), "storage", storages["private"])
    agent = AgentFactory(username="wang")
    open_monday_to_saturday(agent)
    buyer = BuyerFactory(username="xiaozhou")
    listing = ListingFactory(agent=agent, title="Xiangyang 2-room, 5/6")
    extract = tmp_path / "extract.pdf"
    extract.write_bytes(pdf_bytes())

    # The buyer books the first free time on the flat's page (10:30), by WeChat video.
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

    # The agent sees the request on their viewings page and confirms it.
    as_(page, agent)
    row = the_viewing(page)
    expect(row).to_contain_text("wx_zhou_2026")
    expect(row).to_contain_text("Please show the radiators.")
    row.get_by_role("button", name="Confirm").click()
    expect(page.locator(".viewing-row").first).to_contain_text("Confirmed")

    # The buyer sees it confirmed, with its calendar file.
    as_(page, buyer)
    row = the_viewing(page)
    expect(row).to_contain_text("Mon 2026-03-02 10:30")
    expect(row).to_contain_text("Confirmed")
    expect(row.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()

    # An hour later the viewing has taken place: the buyer says so.
    clock.advance(hours=1)
    page.reload()
    page.locator(".viewing-row").first.get_by_role("button", name="I have seen the flat").click()
    expect(page.locator(".viewing-row").first).to_contain_text("Done")

    # The buyer opens the purchase from the flat's page: the viewing step is already done.
    page.goto(listing.get_absolute_url())
    page.get_by_role("button", name="Start the purchase checklist").click()
    expect(page.locator(".purchase-status")).to_have_text("Waiting for the other party")
    viewing_step = step(page, "Video viewing done")
    expect(viewing_step.locator(".step-status")).to_contain_text("Done")
    expect(viewing_step).to_contain_text("Video viewing on 2026-03-02, booked on Walkup.")

    # The agent accepts (the flat is reserved) and ticks the three checks.
    as_(page, agent)
    open_the_purchase(page)
    page.get_by_role("button", name="Accept: go through this purchase").click()
    expect(page.locator(".purchase-status")).to_have_text("In progress")
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

    # The buyer is told why the deposit waits: the arrears are not checked yet.
    as_(page, buyer)
    open_the_purchase(page)
    expect(step(page, "Deposit").locator(".money-warning")).to_contain_text("Heating and property")

    as_(page, agent)
    open_the_purchase(page)
    set_step(page, "Heating and property fees")

    # Now the buyer confirms the deposit.
    as_(page, buyer)
    open_the_purchase(page)
    expect(step(page, "Deposit").locator(".money-warning")).to_have_count(0)
    set_step(page, "Deposit")
    expect(page.locator(".purchase-progress progress")).to_have_attribute("value", "56")

    # The agent finishes the agent's steps; the buyer confirms the transfer: it is complete.
    as_(page, agent)
    open_the_purchase(page)
    set_step(page, "Notarised power of attorney", "not_needed")
    set_step(page, "Contract signed")
    set_step(page, "Handover")
    as_(page, buyer)
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
    assert Viewing.objects.get().status == Viewing.Status.DONE
    assert Purchase.objects.get().status == Purchase.Status.COMPLETED
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
