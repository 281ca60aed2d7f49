"""An owner far away starts a renovation from the template and invites the agent on site, who
accepts, posts a photo and marks a task done; the owner sees it, accepts it, and the progress
bar moves."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory
from tests.photos import images

pytestmark = pytest.mark.browser

DEMOLITION = "Demolition and rubbish removal"


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()


def log_out(page):
    page.locator("header").get_by_role("button", name="Log out").click()


def test_owner_template_manager_update_and_done_owner_accepts(page, request_log, tmp_path):
    owner = BuyerFactory(username="xiaozhou")
    agent = AgentFactory(username="wang")
    photo = tmp_path / "site.jpg"
    photo.write_bytes(images.jpeg(1200, 900))

    # The owner starts a project from the template and invites the agent as manager.
    log_in(page, owner.username)
    page.locator("header").get_by_role("link", name="Renovations").click()
    page.get_by_label("Title").fill("Xiangyang 2-room")
    page.get_by_label("Budget (yuan)").fill("25000")
    expect(page.get_by_label("Start from the small-flat template")).to_be_checked()
    page.get_by_role("button", name="Create the project").click()
    expect(page.locator(".task-name")).to_have_count(8)
    expect(page.locator(".task-name").first).to_have_text(DEMOLITION)
    page.locator("#members").get_by_label("Username").fill(agent.username)
    page.locator("#members").get_by_label("Role").select_option("manager")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".invitation-list")).to_contain_text("wang · Manager")
    expect(page.locator(".progress-accepted")).to_have_attribute("value", "0")
    log_out(page)

    # The agent accepts the invitation, then posts an update with a photo and marks
    # demolition done.
    log_in(page, agent.username)
    page.locator("header").get_by_role("link", name="Renovations").click()
    expect(page.locator("#invitations")).to_contain_text("Xiangyang 2-room")
    page.locator("#invitations").get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xiangyang 2-room")
    page.get_by_label("What was done").fill("Old tiles and floor are out.")
    page.locator("#updates").get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Post the update").click()
    expect(page.locator(".update-note").first).to_have_text("Old tiles and floor are out.")
    page.get_by_role("button", name=f"Mark done: {DEMOLITION}").click()
    expect(page.locator(".task-done .task-name")).to_have_text(DEMOLITION)
    expect(page.get_by_role("button", name=f"Accept: {DEMOLITION}")).to_have_count(0)
    log_out(page)

    # The owner is told, sees the photo, accepts the task, and the progress bar moves.
    log_in(page, owner.username)
    expect(page.locator("header .badge-unread").first).to_have_text("2")  # update + task done
    page.locator("header").get_by_role("link", name="Renovations").click()
    page.get_by_role("link", name="Xiangyang 2-room").click()
    expect(page.locator(".member-list").first).to_contain_text("wang")
    expect(page.locator(".invitation-list")).to_have_count(0)
    expect(page.locator(".update-photos img")).to_have_count(1)
    expect(page.locator(".photo-times").first).to_contain_text("received")
    # The photo is private: the browser loads it through the access-checked URL.
    thumbnail = page.locator(".update-photos img")
    expect(thumbnail).to_have_attribute("src", re.compile(r"^/private-media/renovations/"))
    thumbnail.scroll_into_view_if_needed()
    expect(thumbnail).to_have_js_property("naturalWidth", 400)
    page.get_by_role("button", name=f"Accept: {DEMOLITION}").click()
    expect(page.locator(".task-accepted .task-name")).to_have_text(DEMOLITION)
    # ¥1,500 of the template's ¥24,500: 6 %, rounded down.
    expect(page.locator(".progress-accepted")).to_have_attribute("value", "6")
    expect(page.locator(".progress-done")).to_have_attribute("value", "6")
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
