"""The listings admin as an agent's workbench: the list, its order, its query count, the quick
changes, and "copy this listing"; each agent sees and changes only their own rows."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from listings.models import Listing, ListingPriceChange
from notifications.models import Kind, Notification
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.favorites.factories import FavoriteFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ConversationFactory, MessageFactory, ready_photo

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:listings_listing_changelist")
Status = Listing.Status


def price_url(listing) -> str:
    return reverse("admin:listings_listing_price", args=[listing.pk])


def confirmed_days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def agent(client):
    agent = AgentFactory()
    client.force_login(agent)
    return agent


def row_of(response, listing) -> str:
    """The rendered table row of one listing."""
    html = response.content.decode()
    marker = f'value="{listing.pk}"'
    start = html.rindex("<tr", 0, html.index(marker))
    return html[start : html.index("</tr>", start)]


# --- what a row shows ------------------------------------------------------------------


def test_a_row_reads_at_a_glance(client, agent, settings):
    settings.LISTING_EXPIRY_DAYS = 30
    listing = ListingFactory(
        agent=agent,
        title="南山小区 阳光两居 五楼",
        price=82_700,
        area_m2="38.40",
        floor=5,
        total_floors=6,
        has_elevator=False,
        confirmed_at=confirmed_days_ago(27.5),
    )
    ready_photo(listing, 0, is_cover=True)
    conversation = ConversationFactory(listing=listing)
    MessageFactory(conversation=conversation)
    FavoriteFactory.create_batch(3, listing=listing)

    response = client.get(CHANGELIST)

    row = row_of(response, listing)
    assert "¥82,700" in row
    assert "¥2,154/m²" in row
    assert "5/6 · no elevator" in row
    assert 'class="wb-badge wb-active"' in row
    assert 'class="wb-soon"' in row
    assert ">expires in 2 days</span>" in row
    assert '<img class="wb-thumb"' in row
    assert '<span class="wb-count wb-urgent">1</span>' in row  # unread conversation
    assert '<span class="wb-count">3</span>' in row  # saves
    assert price_url(listing) in row


def test_an_expiry_far_off_is_not_highlighted_and_drafts_have_none(client, agent):
    later = ListingFactory(agent=agent, confirmed_at=confirmed_days_ago(0.5))
    draft = ListingFactory(agent=agent, draft=True)

    response = client.get(CHANGELIST)

    assert 'class="wb-later"' in row_of(response, later)
    assert ">expires in 29 days</span>" in row_of(response, later)
    assert "expires" not in row_of(response, draft)


def test_a_read_conversation_and_the_agents_own_unread_answer_do_not_count(client, agent):
    listing = ListingFactory(agent=agent)
    answered = ConversationFactory(listing=listing)
    MessageFactory(conversation=answered, read_at=timezone.now())
    MessageFactory(conversation=answered, sender=agent)  # the buyer has not read it yet

    response = client.get(CHANGELIST)

    assert response.context["cl"].result_list[0].unread_conversations == 0


def test_the_list_is_in_chinese_for_a_chinese_agent(client, agent):
    listing = ListingFactory(agent=agent, has_elevator=True, floor=3, total_floors=18)

    response = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="zh-hans")

    row = row_of(response, listing)
    assert "3/18 · 有电梯" in row
    assert "在售" in row or "上架" in row
    assert "修改价格" in row


# --- who needs the agent first ---------------------------------------------------------


def test_listings_that_need_the_agent_come_first(client, agent):
    quiet = ListingFactory(agent=agent, confirmed_at=confirmed_days_ago(1))
    sold = ListingFactory(agent=agent, status=Status.SOLD)
    draft = ListingFactory(agent=agent, draft=True)
    expiring = ListingFactory(agent=agent, confirmed_at=confirmed_days_ago(26))
    expired = ListingFactory(
        agent=agent, status=Status.EXPIRED, confirmed_at=confirmed_days_ago(31)
    )
    failed_photo = ListingFactory(agent=agent, confirmed_at=confirmed_days_ago(2))
    failed_photo.photos.create(
        original="originals/x.jpg", content_hash="f" * 64, status="failed", position=0
    )
    buyer_waiting = ListingFactory(agent=agent, confirmed_at=confirmed_days_ago(1))
    MessageFactory(conversation=ConversationFactory(listing=buyer_waiting))

    response = client.get(CHANGELIST)

    order = list(response.context["cl"].result_list)
    assert order[0] == buyer_waiting
    assert set(order[1:3]) == {expiring, expired}
    assert order[3:] == [failed_photo, draft, quiet, sold]


def test_a_column_heading_still_sorts_the_list(client, agent):
    cheap = ListingFactory(agent=agent, price=30_000)
    dear = ListingFactory(agent=agent, price=70_000)

    response = client.get(CHANGELIST, {"o": "-3"})  # the price column, highest first

    assert list(response.context["cl"].result_list) == [dear, cheap]


def _busy_listings(agent, count):
    for number in range(count):
        listing = ListingFactory(agent=agent)
        ready_photo(listing, number)
        MessageFactory(conversation=ConversationFactory(listing=listing))
        FavoriteFactory(listing=listing)


@pytest.mark.parametrize("page_size", [5, 20])
def test_the_list_runs_the_same_queries_whatever_the_page_size(
    client, agent, page_size, monkeypatch, django_assert_num_queries
):
    listing_admin = admin.site._registry[Listing]
    monkeypatch.setattr(listing_admin, "list_per_page", page_size)
    _busy_listings(agent, 22)
    client.get(CHANGELIST)  # warm the caches (content types, sessions)

    # session, user, its two permission lists, the city filter's choices, the filtered and the
    # total count, whether the agent verifies listings (the menu), and the page itself with
    # covers, counts and attention in the same query
    with django_assert_num_queries(9):
        response = client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == page_size


# --- quick price change ----------------------------------------------------------------


def test_a_quick_price_cut_records_history_and_tells_each_saver_once(client, agent):
    listing = ListingFactory(agent=agent, price=46_000, title="Sunny walk-up")
    savers = [FavoriteFactory(listing=listing).user for _ in range(2)]

    response = client.post(price_url(listing), {"price": 41_000})

    assert response.status_code == 302
    assert response.url == CHANGELIST
    listing.refresh_from_db()
    assert listing.price == 41_000
    change = ListingPriceChange.objects.get(listing=listing)
    assert (change.old_price, change.new_price) == (46_000, 41_000)
    notes = Notification.objects.filter(kind=Kind.PRICE_CUT, subject_id=listing.pk)
    assert sorted(note.recipient_id for note in notes) == sorted(user.pk for user in savers)
    assert messages_of(response) == ["“Sunny walk-up”: price changed from ¥46,000 to ¥41,000."]


def test_the_price_form_shows_the_current_price_and_keeps_a_bad_one(client, agent):
    listing = ListingFactory(agent=agent, price=46_000)

    shown = client.get(price_url(listing))
    refused = client.post(price_url(listing), {"price": "0"})

    assert shown.status_code == 200
    assert 'value="46000"' in shown.content.decode()
    assert refused.status_code == 200
    assert 'value="0"' in refused.content.decode()
    assert refused.context["form"].errors["price"]
    listing.refresh_from_db()
    assert listing.price == 46_000
    assert not ListingPriceChange.objects.exists()


def test_another_agents_price_cannot_be_changed(client, agent):
    theirs = ListingFactory(price=46_000)

    assert client.get(price_url(theirs)).status_code == 404
    assert client.post(price_url(theirs), {"price": 1_000}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.price == 46_000


@pytest.mark.parametrize("who", ["anonymous", "buyer"])
def test_the_price_form_is_for_agents_only(client, who):
    listing = ListingFactory(price=46_000)
    if who == "buyer":
        client.force_login(BuyerFactory())

    response = client.post(price_url(listing), {"price": 1_000})

    assert response.status_code == 302
    assert reverse("admin:login") in response.url
    listing.refresh_from_db()
    assert listing.price == 46_000


def test_a_superuser_changes_any_agents_price(client):
    client.force_login(SuperuserFactory())
    listing = ListingFactory(price=46_000)

    client.post(price_url(listing), {"price": 45_000})

    listing.refresh_from_db()
    assert listing.price == 45_000


# --- actions: reconfirm, reserved, sold, copy -------------------------------------------


def _action(client, action, *listings):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [listing.pk for listing in listings], "index": 0},
    )


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("mark_reserved", Status.RESERVED, "1 listings changed."),
        ("mark_sold", Status.SOLD, "1 listings changed."),
        ("reconfirm", Status.ACTIVE, "1 listings reconfirmed for another 30 days."),
    ],
)
def test_quick_actions_change_only_the_agents_own_rows(client, agent, action, status, message):
    mine = ListingFactory(agent=agent, confirmed_at=confirmed_days_ago(20))
    theirs = ListingFactory(confirmed_at=confirmed_days_ago(20))

    response = _action(client, action, mine, theirs)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == status
    assert (theirs.status, theirs.confirmed_at.date()) == (
        Status.ACTIVE,
        confirmed_days_ago(20).date(),
    )
    assert messages_of(response) == [message]


def test_copy_fills_the_building_not_the_flat(client, agent):
    source = ListingFactory(
        agent=agent,
        community_name="矿工小区",
        street_address="红旗路 12号",
        total_floors=6,
        has_elevator=False,
        year_built=1995,
        price=46_000,
        floor=5,
    )
    ready_photo(source, 0)

    response = _action(client, "copy_listing", source)

    assert response.status_code == 302
    url = urlsplit(response.url)
    assert url.path == reverse("admin:listings_listing_add")
    initial = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert initial == {
        "city": str(source.city_id),
        "district": str(source.district_id),
        "community_name": "矿工小区",
        "street_address": "红旗路 12号",
        "total_floors": "6",
        "year_built": "1995",
        "heating": "central",
        "heating_fee_per_m2": "28.00",
    }
    form = client.get(response.url).context["adminform"].form
    assert form.initial["community_name"] == "矿工小区"
    assert "price" not in form.initial
    assert Listing.objects.count() == 1  # nothing is saved until the agent saves the new flat


def test_copy_needs_exactly_one_of_the_agents_own_listings(client, agent):
    mine = ListingFactory(agent=agent)
    theirs = ListingFactory()

    two = _action(client, "copy_listing", mine, ListingFactory(agent=agent))
    other = _action(client, "copy_listing", theirs)

    assert two.status_code == 302
    assert two.url == CHANGELIST
    assert messages_of(two) == ["Choose one listing to copy."]
    # Django refuses an action on rows outside the list: nothing is copied.
    assert "?" not in (other.url if other.status_code == 302 else "")
