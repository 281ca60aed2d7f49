"""The agent's dashboard (/agent/) and GET /api/v1/agents/me/stats/: an agent's own listings
with their figures; nobody else sees them; a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from favorites.models import Favorite
from insights.selectors import agent_listings
from listings.models import Listing
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.insights.factories import ListingDailyViewsFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentFactory()


def listing_of(agent, *, days_since_confirmed=1, **fields):
    confirmed = timezone.now() - timedelta(days=days_since_confirmed)
    return ListingFactory(agent=agent, published_at=confirmed, confirmed_at=confirmed, **fields)


def test_figures_per_listing_come_from_the_daily_table_favorites_and_conversations(agent):
    listing = listing_of(agent)
    today = timezone.localdate()
    ListingDailyViewsFactory(listing=listing, day=today, views=4)
    ListingDailyViewsFactory(listing=listing, day=today - timedelta(days=6), views=3)
    ListingDailyViewsFactory(listing=listing, day=today - timedelta(days=7), views=10)
    ListingDailyViewsFactory(listing=listing, day=today - timedelta(days=30), views=100)
    Favorite.objects.create(user=BuyerFactory(), listing=listing)
    Favorite.objects.create(user=BuyerFactory(), listing=listing)
    ConversationFactory(listing=listing)
    Favorite.objects.create(user=BuyerFactory(), listing=listing_of(agent))  # another listing

    [row] = [row for row in agent_listings(agent=agent) if row.pk == listing.pk]

    assert (row.views_7_days, row.views_30_days, row.saves, row.conversation_count) == (
        7,
        17,
        2,
        1,
    )


def test_listings_about_to_expire_come_first_and_sold_ones_are_left_out(agent):
    fresh = listing_of(agent, days_since_confirmed=1)
    expiring = listing_of(agent, days_since_confirmed=80)
    draft = ListingFactory(agent=agent, draft=True)
    listing_of(agent, status=Listing.Status.SOLD)
    listing_of(agent, status=Listing.Status.WITHDRAWN)

    assert list(agent_listings(agent=agent)) == [expiring, fresh, draft]


def test_the_dashboard_shows_the_agents_own_listings_only(client, agent):
    own = listing_of(agent, title="My flat on Hongqi Road")
    ListingFactory(title="Someone else's flat")
    ListingDailyViewsFactory(listing=own, views=5)
    client.force_login(agent)

    response = client.get("/agent/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert "My flat on Hongqi Road" in page
    assert "Someone else" not in page
    assert page.count('class="sparkline"') == 1
    assert "Views per day, oldest first: 0, 0," in page
    assert ", 5</title>" in page


def test_the_dashboard_shows_the_agents_median_response_time(client, agent):
    now = timezone.now()
    for minutes in (10, 30, 50):
        ConversationFactory(
            listing=listing_of(agent),
            first_buyer_message_at=now - timedelta(hours=1),
            first_reply_seconds=minutes * 60,
        )
    client.force_login(agent)

    page = client.get("/agent/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "You answer a buyer’s first message in 30 minutes" in page


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/agent/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("make_user", [BuyerFactory, SuperuserFactory])
def test_whoever_is_not_an_agent_gets_a_404(client, make_user):
    client.force_login(make_user())

    assert client.get("/agent/").status_code == 404


def test_a_former_agent_gets_a_404(client, agent):
    from accounts.services import user_revoke_agent

    user_revoke_agent(user=agent)
    client.force_login(agent)

    assert client.get("/agent/").status_code == 404


# --- the API ----------------------------------------------------------------------------------


def test_the_api_gives_the_agents_figures(api_client, agent):
    listing = listing_of(agent)
    ListingDailyViewsFactory(listing=listing, views=6)
    Favorite.objects.create(user=BuyerFactory(), listing=listing)
    ListingFactory()  # another agent's
    api_client.force_authenticate(agent)

    response = api_client.get("/api/v1/agents/me/stats/")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1
    assert body["median_response_seconds"] is None
    [row] = body["results"]
    assert row["id"] == listing.pk
    assert row["counts"] == {
        "views_7_days": 6,
        "views_30_days": 6,
        "saves": 1,
        "conversation_count": 0,
        "unread_conversations": 0,
        "viewing_count": 0,
    }
    assert len(row["daily_views"]) == 30
    assert row["daily_views"][-1] == {"day": timezone.localdate().isoformat(), "views": 6}
    assert row["expires_at"] is not None


def test_the_api_refuses_anonymous_and_anyone_but_an_agent(api_client):
    assert api_client.get("/api/v1/agents/me/stats/").status_code == 401
    for user in (BuyerFactory(), SuperuserFactory()):
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/agents/me/stats/").status_code == 403


# --- query counts -----------------------------------------------------------------------------

# Session and user, the two nav badges (unread messages and notifications); the paginator's
# count, the page of listings with every figure, their daily views, the response time.
DASHBOARD_QUERIES = 4 + 4
# The paginator's count, the listings with every figure, their daily views, the response time.
API_QUERIES = 4


def fill(agent, listings: int):
    for index in range(listings):
        listing = listing_of(agent, days_since_confirmed=index + 1)
        ListingDailyViewsFactory(listing=listing, views=index + 1)
        Favorite.objects.create(user=BuyerFactory(), listing=listing)
        ConversationFactory(listing=listing)


@pytest.mark.parametrize("listings", [2, 12])
def test_the_dashboard_costs_the_same_whatever_the_number_of_listings(
    client, settings, agent, django_assert_num_queries, listings
):
    settings.INSIGHTS_DASHBOARD_PAGE_SIZE = 10
    fill(agent, listings)
    client.force_login(agent)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get("/agent/")

    assert response.content.decode().count('class="sparkline"') == min(listings, 10)


@pytest.mark.parametrize("listings", [2, 12])
def test_the_api_costs_the_same_whatever_the_number_of_listings(
    api_client, settings, agent, django_assert_num_queries, listings
):
    settings.INSIGHTS_DASHBOARD_PAGE_SIZE = 10
    fill(agent, listings)
    api_client.force_authenticate(agent)

    with django_assert_num_queries(API_QUERIES):
        response = api_client.get("/api/v1/agents/me/stats/?page=2")

    # Page 2 of 12 holds the last two; of 2, there is no page 2 and page 1 comes instead.
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize("page", ["", "0", "-1", "two", "true", "1.5"])
def test_the_api_refuses_a_page_that_is_not_a_positive_whole_number(api_client, agent, page):
    api_client.force_authenticate(agent)

    response = api_client.get("/api/v1/agents/me/stats/", {"page": page})

    assert response.status_code == 400
    assert "page" in response.json()
