"""The search journey in a real browser.

"A visitor searches Hegang for flats under 50,000 yuan without an elevator, sees only
such cards, opens one, sees its facts; and switches the page to Chinese."
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from listings.models import Listing
from tests.accounts.factories import AgentFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
PRICE = re.compile(r"^¥(\d{1,3}(?:,\d{3})*)$")

MATCHING = {
    "Sunny two-room by the mine": 32_000,
    "Top floor, own boiler": 48_000,
    "Exactly fifty thousand": 50_000,
}


@pytest.fixture
def hegang_market():
    """Hegang flats that match the search and near misses on every side of it."""
    hegang = CityFactory(slug="hegang", name="Hegang", name_zh="鹤岗")
    xingshan = DistrictFactory(city=hegang, name="Xingshan", name_zh="兴山区")
    nanshan = DistrictFactory(city=hegang, name="Nanshan", name_zh="南山区")
    other_city = CityFactory(slug="shuangyashan", name="Shuangyashan", name_zh="双鸭山")
    other_district = DistrictFactory(city=other_city, name="Jianshan", name_zh="尖山区")
    agent = AgentFactory(
        username="agent-wang",
        first_name="Jing",
        last_name="Wang",
        profile__agency_name="Hegang Homes",
        profile__licence_number="HLJ-0468",
    )

    def flat(title, price, district=xingshan, **extra):
        return ListingFactory(agent=agent, district=district, title=title, price=price, **extra)

    flat("Sunny two-room by the mine", 32_000, district=nanshan)
    opened = flat(
        "Top floor, own boiler",
        48_000,
        area_m2=Decimal("40.00"),  # ¥1,200 per m²
        floor=5,
        total_floors=6,
        heating=Listing.Heating.GAS_BOILER,
        condition=Listing.Condition.BASIC,
        year_built=1988,
    )
    flat("Exactly fifty thousand", 50_000)
    # Cheap enough, but with an elevator.
    flat("Lift building, third floor", 45_000, has_elevator=True)
    flat("New tower flat", 49_000, district=nanshan, has_elevator=True)
    # No elevator, but over the price.
    flat("Fifty thousand and one", 50_001)
    flat("Big renovated walk-up", 88_000, condition=Listing.Condition.RENOVATED)
    # Would match, but is not published.
    flat("Draft: not for sale yet", 40_000, draft=True)
    # Would match, but in another city.
    flat("Shuangyashan bargain", 30_000, district=other_district)
    flat("Shuangyashan second bargain", 41_000, district=other_district)
    return opened


def fact(page, label):
    """The value cell beside a row heading of the facts table."""
    heading = page.locator(".facts th", has_text=re.compile(rf"^{re.escape(label)}$"))
    return heading.locator("xpath=following-sibling::td")


def test_search_hegang_walkups_open_one_and_switch_to_chinese(page, hegang_market, request_log):
    page.goto("/")
    home_search = page.get_by_role("search")
    home_search.get_by_label("City").select_option(label="Hegang")
    home_search.get_by_label("Price up to").fill("50000")
    home_search.get_by_role("button", name="Search").click()

    # The search page keeps city and price; narrow it to flats without an elevator.
    expect(page.get_by_role("heading", level=1)).to_have_text("Search flats")
    filters = page.locator("form.filters")
    expect(filters.get_by_label("City")).to_have_value("hegang")
    expect(filters.get_by_label("Price up to")).to_have_value("50000")
    filters.get_by_label("Elevator").select_option(label="No")
    filters.get_by_role("button", name="Show flats").click()

    expect(page.locator(".result-count")).to_have_text("3 flats found")
    cards = page.locator(".results .card")
    expect(cards).to_have_count(len(MATCHING))
    assert set(cards.locator(".card-title").all_inner_texts()) == set(MATCHING)
    for card in cards.all():
        expect(card.locator(".floor")).to_contain_text("no elevator")
        price = card.locator(".card-price strong").inner_text()
        assert PRICE.match(price), price
        assert int(PRICE.match(price)[1].replace(",", "")) <= 50_000
    assert "has_elevator=false" in page.url

    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "search-results-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})

    page.locator(".card-title").get_by_role("link", name="Top floor, own boiler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Top floor, own boiler")
    expect(fact(page, "Total price")).to_have_text("¥48,000")
    expect(fact(page, "Price per m²")).to_have_text("¥1,200")
    expect(fact(page, "Floor")).to_have_text("floor 5 of 6 · no elevator")
    expect(fact(page, "Heating")).to_have_text("Own gas boiler")
    expect(fact(page, "Condition")).to_have_text("Basic")
    expect(fact(page, "Year built")).to_have_text("1988")
    agent_card = page.locator(".agent-card")
    expect(agent_card.get_by_role("heading", name="Agent", exact=True)).to_be_visible()
    expect(agent_card.locator(".agent-name")).to_contain_text("Jing Wang")
    expect(agent_card).to_contain_text("Hegang Homes")
    expect(agent_card).to_contain_text("Licence HLJ-0468")
    expect(agent_card.locator(".badge")).to_have_text("Verified")

    page.get_by_label("Language").select_option(label="简体中文")
    page.get_by_role("button", name="Change").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(rf"/listings/{hegang_market.pk}/?$"))
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="找房")).to_be_visible()
    expect(fact(page, "楼层")).to_have_text("5/6层 · 无电梯")
    expect(page.locator(".breadcrumb")).to_contain_text("鹤岗")

    # The choice is kept in a cookie: the next page is Chinese too.
    nav.get_by_role("link", name="找房").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("找房")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert {c["name"]: c["value"] for c in page.context.cookies()}["django_language"] == "zh-hans"

    assert request_log.other_hosts == []
    assert request_log.server_errors == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter a whole number."),
        ("-5", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_search_shows_a_bad_price_beside_the_field_and_keeps_it(
    page, hegang_market, request_log, typed, message
):
    page.goto("/listings/")
    filters = page.locator("form.filters")
    filters.get_by_label("Price up to").fill(typed)
    filters.get_by_role("button", name="Show flats").click()

    expect(page.get_by_role("heading", level=2, name="Check the search")).to_be_visible()
    field = filters.locator(".field.has-error")
    expect(field).to_have_count(1)
    expect(field.locator(".errorlist")).to_have_text(message)
    expect(field.get_by_label("Price up to")).to_have_value(typed)
    expect(page.locator(".results .card")).to_have_count(0)

    assert request_log.other_hosts == []
    assert request_log.server_errors == []
