"""An agent's day in the admin, in Chinese, on a 1366 px desk and a 390 px phone: the listing
list reads at a glance, and a flat is listed from the phone with two photos from the camera."""

import os
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import expect

from listings.models import Listing, ListingPhoto
from tests.accounts.factories import AgentFactory
from tests.browser.conftest import RequestLog
from tests.listings.factories import DistrictFactory, ListingFactory
from tests.messaging.factories import ConversationFactory, MessageFactory, ready_photo
from tests.photos import images

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("photo_storage")]

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CHANGELIST = "/admin/listings/listing/"
TITLES = [
    "兴山区矿工小区南北通透两居室五楼采光好急售",
    "向阳区阳光家园一楼带小院",
    "工农区新华小区三室一厅顶楼带阁楼可拎包入住",
    "南山区",
]


@pytest.fixture
def agent(live_server):
    agent = AgentFactory(username="agent1")
    district = DistrictFactory(name="Xingshan", name_zh="兴山区")
    for number in range(12):
        listing = ListingFactory(
            agent=agent, district=district, title=TITLES[number % len(TITLES)], price=82_700
        )
        if number % 3 == 0:
            ready_photo(listing, number)
        if number % 4 == 0:
            MessageFactory(conversation=ConversationFactory(listing=listing))
    return agent


def chinese_page(browser, live_server, agent, viewport, request_log: RequestLog):
    """A page reading Simplified Chinese, signed in as the agent, talking to no other host."""
    client = Client()
    client.force_login(agent)
    context = browser.new_context(
        locale="zh-CN", viewport=viewport, base_url=live_server.url, has_touch=viewport == PHONE
    )
    context.set_default_timeout(10_000)
    host = urlsplit(live_server.url)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": host.hostname,
                "path": "/",
            }
        ]
    )

    def only_live_server(route):
        if urlsplit(route.request.url).netloc == host.netloc:
            route.continue_()
        else:
            request_log.other_hosts.append(route.request.url)
            route.abort()

    context.route("**/*", only_live_server)
    page = context.new_page()
    page.on(
        "response",
        lambda response: (
            request_log.server_errors.append(f"{response.status} {response.url}")
            if response.status >= 500
            else None
        ),
    )
    return context, page


def measure_rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#result_list tbody tr",
        """rows => rows.map(row => ({
            title: row.querySelector('.field-title_cell').getBoundingClientRect().width,
            height: row.getBoundingClientRect().height,
        }))""",
    )


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_the_list_reads_at_a_glance(browser, live_server, agent, viewport, request_log):
    context, page = chinese_page(browser, live_server, agent, viewport, request_log)

    page.goto(CHANGELIST)

    expect(page.locator("#result_list")).to_contain_text("¥82,700")
    expect(page.locator("#result_list")).to_contain_text("5/6 · 无电梯")
    expect(page.locator("#result_list thead")).to_contain_text("未读对话")
    rows = measure_rows(page)
    assert len(rows) == 12
    if os.environ.get("WORKBENCH_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['WORKBENCH_SCREENSHOTS']}/list-{viewport['width']}.png")
    assert min(row["title"] for row in rows) >= 150, rows
    assert max(row["height"] for row in rows) <= 120, rows
    page_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert page_width[0] <= page_width[1], page_width  # only the table's own scroller scrolls
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
    context.close()


def test_an_agent_lists_a_flat_from_the_phone_with_two_photos(
    browser, live_server, agent, request_log, tmp_path
):
    district = DistrictFactory(name="Gongnong", name_zh="工农区", city__slug="hegang")
    photos = []
    for number, colour in enumerate(["steelblue", "darkorange"]):
        path = tmp_path / f"camera-{number}.jpg"
        path.write_bytes(images.jpeg(image=images.picture(1200, 900, colour)))
        photos.append(str(path))
    context, page = chinese_page(browser, live_server, agent, PHONE, request_log)

    page.goto(f"{CHANGELIST}add/")

    photo_input = page.locator("#id_add_photos")
    assert photo_input.get_attribute("accept") == "image/*"
    assert photo_input.get_attribute("capture") == "environment"
    assert photo_input.get_attribute("multiple") is not None
    # The form follows the walk through the flat: where, size and floor, ..., photos.
    headings = page.locator("fieldset h2").all_inner_texts()
    assert headings[:6] == ["位置", "面积与楼层", "供暖", "房屋状况", "价格", "照片"]
    expect(page.locator("#id_floor_helptext")).to_contain_text("一楼填 1")

    page.select_option("#id_city", str(district.city_id))
    page.select_option("#id_district", str(district.pk))
    page.fill("#id_community_name", "新华小区")
    page.fill("#id_area_m2", "48.5")
    page.fill("#id_rooms", "2")
    page.fill("#id_floor", "6")
    page.fill("#id_total_floors", "6")
    page.fill("#id_price", "39000")
    photo_input.set_input_files(photos)
    expect(page.locator(".wb-photo-list progress")).to_have_count(2)
    page.fill("#id_title", "新华小区两居顶楼")
    page.locator("input[name=_save]").click()

    page.wait_for_url(f"**{CHANGELIST}")
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#result_list")).to_contain_text("新华小区两居顶楼")
    expect(page.locator("#result_list")).to_contain_text("¥39,000")
    listing = Listing.objects.get(title="新华小区两居顶楼")
    assert listing.agent == agent
    assert listing.photos.count() == 2
    assert set(listing.photos.values_list("status", flat=True)) == {ListingPhoto.Status.READY}
    page.goto(f"{CHANGELIST}add/")  # saved: the draft kept in the browser is gone
    expect(page.locator("#id_community_name")).to_have_value("")
    expect(page.locator(".wb-draft-note")).to_have_count(0)
    assert request_log.other_hosts == []
    assert request_log.server_errors == []
    context.close()


def test_a_draft_typed_on_the_phone_comes_back(browser, live_server, agent, request_log):
    context, page = chinese_page(browser, live_server, agent, PHONE, request_log)

    page.goto(f"{CHANGELIST}add/")
    page.fill("#id_community_name", "红旗小区")
    page.fill("#id_price", "41000")
    page.goto(f"{CHANGELIST}add/")  # the tab was closed, the agent comes back

    expect(page.locator(".wb-draft-note")).to_contain_text("已恢复您的草稿")
    expect(page.locator("#id_community_name")).to_have_value("红旗小区")
    expect(page.locator("#id_price")).to_have_value("41000")
    page.get_by_role("button", name="丢弃草稿").click()
    expect(page.locator("#id_community_name")).to_have_value("")
    assert Listing.objects.count() == 12  # a draft lives in the browser until it is saved
    assert request_log.other_hosts == []
    context.close()
