"""The web pages: home, search and detail, read in English by default."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from listings import paginators
from listings.models import Listing
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def web():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def agent():
    agent = AgentFactory(first_name="Jianguo", last_name="Wang")
    agent.agent_profile.agency_name = "Anju Homes Hegang"
    agent.agent_profile.save()
    return agent


@pytest.fixture
def hegang():
    return CityFactory(
        slug="hegang", name="Hegang", name_zh="鹤岗", province="Heilongjiang", province_zh="黑龙江"
    )


@pytest.fixture
def xiangyang(hegang):
    return DistrictFactory(city=hegang, name="Xiangyang", name_zh="向阳区")


@pytest.fixture
def flat(agent, xiangyang):
    """The viral Hegang flat: ¥46,000 for 52 m² on the fifth floor of six, no elevator."""
    return ListingFactory(
        agent=agent,
        district=xiangyang,
        title="Sunny walk-up 南北通透",
        price=46_000,
        area_m2=Decimal("52.00"),
        rooms=2,
        floor=5,
        total_floors=6,
        has_elevator=False,
        published_at=NOW,
    )


def text_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def field_block(html: str, name: str) -> str:
    """The form's <div class="field"> holding the input or menu called `name`."""
    for block in html.split('<div class="field')[1:]:
        if f'name="{name}"' in block:
            return block.split("</div>")[0]
    raise AssertionError(f"no field {name}")


def results_section(html: str) -> str:
    return html.split('<section class="results"')[1].split("</section>")[0]


# --- home ----------------------------------------------------------------------


def test_home_shows_each_city_with_its_count_and_median(web, agent, xiangyang):
    # Given Hegang flats at ¥1,000, ¥2,152 and ¥3,000 per m², and a city with none
    for price in (50_000, 107_600, 150_000):
        ListingFactory(agent=agent, district=xiangyang, price=price, area_m2="50.00")
    ListingFactory(agent=agent, district=xiangyang, draft=True)
    CityFactory(slug="yichun", name="Yichun", name_zh="伊春")

    # When the home page is read
    html = text_of(web.get("/"))

    # Then Hegang shows three flats and the median, Yichun none
    hegang_item, yichun_item = html.split('<li class="city">')[1:3]
    assert "Hegang" in hegang_item
    assert "Heilongjiang" in hegang_item
    assert "3 flats for sale" in hegang_item
    assert "median ¥2,152/m²" in hegang_item
    assert 'href="/listings/?city=hegang"' in hegang_item
    assert "Yichun" in yichun_item
    assert "0 flats for sale" in yichun_item
    assert "no median yet" in yichun_item


def test_home_shows_the_six_newest_listings_for_sale(web, agent, xiangyang):
    listings = [
        ListingFactory(
            agent=agent,
            district=xiangyang,
            title=f"Flat number {hours}",
            published_at=NOW - timedelta(hours=hours),
        )
        for hours in range(7)
    ]
    ListingFactory(agent=agent, district=xiangyang, title="Secret draft", draft=True)

    html = text_of(web.get("/"))

    newest = html.split('id="newest-heading"')[1]
    positions = [newest.index(f"Flat number {hours}<") for hours in range(6)]
    assert positions == sorted(positions)
    assert "Flat number 6<" not in newest
    assert "Secret draft" not in html
    assert listings[0].get_absolute_url() in newest


def test_home_with_no_listings_says_so(web):
    html = text_of(web.get("/"))

    assert "No flats are for sale yet." in html


# --- search --------------------------------------------------------------------


def test_search_card_shows_the_facts_a_buyer_checks_first(web, flat):
    html = text_of(web.get("/listings/", {"city": "hegang"}))

    card = results_section(html)
    assert "1 flat found" in card
    assert f'<a href="/listings/{flat.pk}/">Sunny walk-up 南北通透</a>' in card
    assert "<strong>¥46,000</strong>" in card
    assert "¥885/m²" in card
    assert "52 m²" in card
    assert "2 rooms" in card
    assert "floor 5 of 6 · no elevator" in card
    assert "floor-high" in card
    assert "Central heating" in card
    assert "Hegang · Xiangyang" in card


def test_search_card_for_a_low_floor_with_elevator(web, agent, xiangyang):
    ListingFactory(
        agent=agent,
        district=xiangyang,
        rooms=1,
        floor=2,
        total_floors=11,
        has_elevator=True,
        heating="gas_boiler",
        area_m2="38.50",
    )

    card = results_section(text_of(web.get("/listings/", {"ordering": "price"})))

    assert "1 room<" in card
    assert "floor 2 of 11 · elevator" in card
    assert "floor-high" not in card
    assert "Own gas boiler" in card
    assert "38.5 m²" in card


def test_search_counts_and_lists_only_the_matches(web, flat, agent, xiangyang):
    ListingFactory(agent=agent, district=xiangyang, title="Pricey", price=300_000)
    ListingFactory(agent=agent, district=xiangyang, title="Cheap draft", price=20_000, draft=True)
    ListingFactory(agent=agent, district=xiangyang, title="Cheap too", price=30_000)

    html = text_of(web.get("/listings/", {"price_max": "50000"}))

    results = results_section(html)
    assert "2 flats found" in results
    assert "Sunny walk-up" in results
    assert "Cheap too" in results
    assert "Pricey" not in results
    assert "Cheap draft" not in results


def test_search_with_no_match_says_so(web, flat):
    html = text_of(web.get("/listings/", {"q": "别墅"}))

    assert "0 flats found" in html
    assert "No flats match." in html


def test_search_shows_chinese_names_in_chinese(flat):
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = text_of(zh.get("/listings/", {"city": "hegang"}))

    assert "鹤岗 · 向阳区" in results_section(html)
    assert '<html lang="zh-hans">' in html


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("price_min", "abc"),
        ("price_max", "-1"),
        ("area_min", "x"),
        ("rooms", "0"),
        ("rooms", "two"),
        ("price_per_m2_max", "1.5"),
        ("floor_max", "0"),
        ("q", "x" * 101),
    ],
)
def test_a_bad_value_is_explained_beside_its_field_and_kept(web, flat, name, typed):
    # When a search has a value the field cannot take
    html = text_of(web.get("/listings/", {name: typed}))

    # Then its field shows the error and still holds what was typed; no results are shown
    block = field_block(html, name)
    assert "has-error" in block.split(">")[0]
    assert 'class="errorlist"' in block
    assert f'value="{typed}"' in block
    assert 'aria-invalid="true"' in block
    assert "Check the search" in html
    assert "flats found" not in html


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("has_elevator", "maybe"),
        ("heating", "coal"),
        ("condition", "new"),
        ("city", "atlantis"),
        ("district", "abc"),
        ("district", "999999"),
        ("ordering", "foo"),
    ],
)
def test_a_bad_menu_choice_is_explained_beside_its_menu(web, flat, name, typed):
    html = text_of(web.get("/listings/", {name: typed}))

    block = field_block(html, name)
    assert "has-error" in block.split(">")[0]
    assert "Select a valid choice." in block
    assert "Check the search" in html


def test_the_error_message_says_what_is_wrong(web, flat):
    html = text_of(web.get("/listings/", {"price_min": "abc"}))

    assert "Enter a whole number." in field_block(html, "price_min")


def test_a_price_range_upside_down_is_explained_on_the_highest_price(web, flat):
    html = text_of(web.get("/listings/", {"price_min": "60000", "price_max": "50000"}))

    assert "The lowest price is above the highest." in field_block(html, "price_max")
    assert "has-error" not in field_block(html, "price_min").split(">")[0]
    assert 'value="60000"' in field_block(html, "price_min")


def test_good_values_stay_filled_in_beside_a_bad_one(web, flat):
    html = text_of(web.get("/listings/", {"q": "南北", "city": "hegang", "rooms": "two"}))

    assert 'value="南北"' in field_block(html, "q")
    assert '<option value="hegang" selected>' in field_block(html, "city")
    assert 'value="two"' in field_block(html, "rooms")


def test_a_page_number_that_is_not_a_number_shows_the_first_page(web, flat):
    html = text_of(web.get("/listings/", {"city": "hegang", "page": "abc"}))

    assert "1 flat found" in html


def test_pagination_links_keep_the_filters(web, settings, agent, xiangyang):
    # Given five matching flats shown two per page, and one that does not match
    settings.LISTINGS_PAGE_SIZE = 2
    for number in range(5):
        ListingFactory(
            agent=agent, district=xiangyang, title=f"Match {number}", price=40_000 + number
        )
    ListingFactory(agent=agent, district=xiangyang, title="Too dear", price=90_000)
    search = {"city": "hegang", "price_max": "60000", "ordering": "price"}

    # When the second page is read
    html = text_of(web.get("/listings/", {**search, "page": "2"}))

    # Then both links carry the whole search, and lead to its pages
    query = "city=hegang&amp;price_max=60000&amp;ordering=price"
    assert f'<a rel="prev" href="?{query}&amp;page=1">' in html
    assert f'<a rel="next" href="?{query}&amp;page=3">' in html
    assert "Page 2 of 3" in html
    assert "5 flats found" in html
    assert "Match 2" in html
    assert "Match 3" in html
    last = text_of(web.get("/listings/", {**search, "page": "3"}))
    assert "Match 4" in last
    assert 'rel="next"' not in last
    assert "Too dear" not in last


def test_search_page_with_no_filters_lists_every_flat_for_sale(web, flat, agent, xiangyang):
    ListingFactory(agent=agent, district=xiangyang, title="Hidden draft", draft=True)

    html = text_of(web.get("/listings/"))

    assert "1 flat found" in html
    assert "Sunny walk-up" in html
    assert "Hidden draft" not in html
    assert "Check the search" not in html


def test_a_district_of_another_city_is_explained_beside_the_district(web, flat):
    taoshan = DistrictFactory(city=CityFactory(slug="qitaihe", name="Qitaihe"), name="Taoshan")

    html = text_of(web.get("/listings/", {"city": "hegang", "district": taoshan.pk}))

    assert "This district is not in the chosen city." in field_block(html, "district")
    assert "Check the search" in html


# --- detail --------------------------------------------------------------------


def test_detail_page_shows_the_facts_table(web, flat):
    html = text_of(web.get(f"/listings/{flat.pk}/"))

    facts = html.split('<table class="facts">')[1].split("</table>")[0]
    expected_rows = {
        "Total price": "¥46,000",
        "Price per m²": "¥885",
        "Area": "52 m²",
        "Rooms": "2",
        "Floor": "floor 5 of 6 · no elevator",
        "Heating": "Central heating",
        "Yearly heating fee": "¥28.00 per m² a year",
        "Condition": "Needs renovation",
        "Year built": "1995",
        "Ownership certificate": "In hand",
        "Community": "矿工小区",
        "Address": "红旗路 12号",
    }
    for label, value in expected_rows.items():
        assert f'<th scope="row">{label}</th><td>{value}</td>' in facts
    assert '<time datetime="2026-03-01T16:00:00+08:00">2026-03-01 16:00</time>' in facts
    assert "南北通透" in html


def test_detail_page_says_what_is_not_given(web, agent, xiangyang):
    listing = ListingFactory(
        agent=agent,
        district=xiangyang,
        heating_fee_per_m2=None,
        year_built=None,
        has_ownership_certificate=False,
        community_name="",
    )

    html = text_of(web.get(f"/listings/{listing.pk}/"))

    assert '<th scope="row">Yearly heating fee</th><td>not given</td>' in html
    assert '<th scope="row">Year built</th><td>not given</td>' in html
    assert "Not in hand: ask the agent" in html
    assert '<th scope="row">Community</th><td>—</td>' in html


@pytest.mark.parametrize(
    ("price", "comparison"),
    [
        # The city's flats are at ¥885, ¥1,100 and ¥2,000 per m²: the median is ¥1,100.
        (46_000, "20% below the Hegang median of ¥1,100/m²"),
        (55_000, "At the Hegang median of ¥1,100/m²"),
        (100_000, "82% above the Hegang median of ¥1,100/m²"),
    ],
)
def test_detail_page_compares_with_the_city_median(web, agent, xiangyang, price, comparison):
    listings = {
        price: ListingFactory(agent=agent, district=xiangyang, price=price, area_m2=area)
        for price, area in ((46_000, "52.00"), (55_000, "50.00"), (100_000, "50.00"))
    }

    html = text_of(web.get(f"/listings/{listings[price].pk}/"))

    assert comparison in " ".join(html.split())


def test_detail_page_shows_the_agent_card(web, flat):
    html = text_of(web.get(f"/listings/{flat.pk}/"))

    card = html.split('<aside class="agent-card"')[1].split("</aside>")[0]
    assert "Jianguo Wang" in card
    assert "Anju Homes Hegang" in card
    assert '<span class="badge"' in card
    assert "Verified" in card
    assert "0468-3300000" in card


def test_an_unverified_agent_has_no_badge(web, flat):
    flat.agent.agent_profile.verified = False
    flat.agent.agent_profile.save()

    html = text_of(web.get(f"/listings/{flat.pk}/"))

    card = html.split('<aside class="agent-card"')[1].split("</aside>")[0]
    assert "Anju Homes Hegang" in card
    assert "Verified" not in card


@pytest.mark.parametrize("viewer", ["anonymous", "buyer", "other agent"])
def test_a_draft_is_not_found_for_anyone_else(web, agent, xiangyang, viewer):
    draft = ListingFactory(agent=agent, district=xiangyang, draft=True)
    if viewer == "buyer":
        web.force_login(BuyerFactory())
    elif viewer == "other agent":
        web.force_login(AgentFactory())

    assert web.get(f"/listings/{draft.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("status", "label"), [("sold", "Sold"), ("withdrawn", "Withdrawn"), ("reserved", "Reserved")]
)
def test_a_listing_no_longer_for_sale_says_so_to_the_public(web, agent, xiangyang, status, label):
    listing = ListingFactory(agent=agent, district=xiangyang, status=status)

    response = web.get(f"/listings/{listing.pk}/")

    assert response.status_code == 200
    html = text_of(response)
    assert f"This flat is no longer on the market: {label}." in html
    assert "Message the agent" not in html


def test_a_listing_put_back_in_draft_is_not_found_for_the_public(web, agent, xiangyang):
    listing = ListingFactory(agent=agent, district=xiangyang, status="draft")  # published before

    assert listing.published_at is not None
    assert web.get(f"/listings/{listing.pk}/").status_code == 404


def test_an_agent_sees_their_draft_with_a_notice(web, agent, xiangyang):
    draft = ListingFactory(agent=agent, district=xiangyang, title="Not yet", draft=True)
    web.force_login(agent)

    html = text_of(web.get(f"/listings/{draft.pk}/"))

    assert "Only you can see this listing: its status is Draft." in html
    assert '<th scope="row">Listed</th><td>not yet</td>' in html


def test_a_public_listing_has_no_notice(web, flat):
    web.force_login(flat.agent)

    html = text_of(web.get(f"/listings/{flat.pk}/"))

    assert "Only you can see this listing" not in html


def test_an_unknown_listing_is_not_found(web):
    assert web.get("/listings/999999/").status_code == 404


def test_the_pages_answer_get_only(web, flat):
    assert web.post("/listings/").status_code == 405
    assert web.post(f"/listings/{flat.pk}/").status_code == 405


# --- the count of a large search (listings.paginators) ---------------------------------


@pytest.fixture
def count_up_to_five(monkeypatch):
    """The cap, lowered so a handful of listings stands for thousands."""
    monkeypatch.setattr(paginators, "COUNT_SHOWN_UP_TO", 5)


def test_a_large_search_says_1000_plus_and_counts_no_further_than_it_must(
    client, count_up_to_five, settings
):
    settings.LISTINGS_PAGE_SIZE = 2
    ListingFactory.create_batch(9)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/listings/")

    page = response.content.decode()
    assert "1,000+ flats found" in page
    assert "Page 1</span>" in page
    assert "Page 1 of" not in page
    assert 'rel="next"' in page
    [count] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert "LIMIT 6" in count
    assert "cover_variants" not in count  # the cards' subqueries are not run to count


def test_a_deep_page_of_a_large_search_counts_past_itself(client, count_up_to_five, settings):
    settings.LISTINGS_PAGE_SIZE = 2
    ListingFactory.create_batch(9)

    page = client.get("/listings/", {"page": 4}).content.decode()
    last = client.get("/listings/", {"page": 5}).content.decode()

    assert 'rel="next"' in page
    assert "Page 4</span>" in page
    assert 'rel="next"' not in last
    assert "Page 5 of 5" in last


@pytest.fixture
def planner_expects(monkeypatch):
    """The planner's estimate of a search's rows, as PostgreSQL would give it."""

    def expect(rows: int | None):
        monkeypatch.setattr(paginators, "planner_row_estimate", lambda queryset: rows)

    return expect


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


def test_a_search_the_planner_expects_far_above_the_cap_is_not_counted(
    client, count_up_to_five, planner_expects, settings
):
    settings.LISTINGS_PAGE_SIZE = 2
    ListingFactory.create_batch(9)
    planner_expects(60)  # 10 times the cap of 6

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/listings/").content.decode()

    assert _counts(queries) == []
    assert "1,000+ flats found" in page
    assert "Page 1</span>" in page
    assert "Page 1 of" not in page
    assert 'rel="next"' in page
    assert page.count('class="card"') == 2


def test_the_estimated_search_knows_its_last_page_from_the_rows(
    client, count_up_to_five, planner_expects, settings
):
    settings.LISTINGS_PAGE_SIZE = 2
    ListingFactory.create_batch(9)
    planner_expects(600)  # far off: there are 9

    with CaptureQueriesContext(connection) as queries:
        last = client.get("/listings/", {"page": 5}).content.decode()
    middle = client.get("/listings/", {"page": 4}).content.decode()

    assert _counts(queries) == []
    assert 'rel="next"' not in last
    assert "Page 5 of 5" in last
    assert last.count('class="card"') == 1
    assert 'rel="next"' in middle


def test_an_estimate_far_off_for_a_small_search_shows_the_exact_count(
    client, count_up_to_five, planner_expects
):
    ListingFactory.create_batch(3)
    planner_expects(10_000)

    page = client.get("/listings/").content.decode()

    assert "3 flats found" in page
    assert "1,000+" not in page


def test_a_page_past_the_results_of_an_estimated_search_shows_the_last_one(
    client, count_up_to_five, planner_expects, settings
):
    settings.LISTINGS_PAGE_SIZE = 2
    ListingFactory.create_batch(9)
    planner_expects(600)

    page = client.get("/listings/", {"page": 7}).content.decode()

    assert "Page 5 of 5" in page
    assert page.count('class="card"') == 1


def test_an_estimate_near_the_cap_is_not_trusted(
    client, count_up_to_five, planner_expects, settings
):
    settings.LISTINGS_PAGE_SIZE = 2
    ListingFactory.create_batch(4)
    planner_expects(59)  # under 10 times the cap of 6

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/listings/").content.decode()

    assert len(_counts(queries)) == 1
    assert "4 flats found" in page


def test_the_planner_estimate_is_postgresqls_only():
    estimate = paginators.planner_row_estimate(Listing.objects.order_by().values("pk"))

    if connection.vendor == "postgresql":
        assert isinstance(estimate, int)
    else:
        assert estimate is None


def test_a_search_under_the_cap_shows_its_exact_count(client, count_up_to_five):
    ListingFactory.create_batch(5)

    page = client.get("/listings/").content.decode()

    assert "5 flats found" in page
    assert "1,000+" not in page
