"""Every list costs the same queries whatever its length."""

from datetime import timedelta

import pytest

from tests.listings.factories import ListingFactory
from tests.viewings.factories import ViewingFactory

pytestmark = pytest.mark.django_db

API_LIST_QUERIES = 1  # the page, with its listings and people joined
# session, user, past count, upcoming, the agent's hours, days off and booked slots for the
# "propose another time" choices, past page, and the header's unread messages and notifications
PAGE_QUERIES = 10


@pytest.fixture
def agent_with_viewings(clock, agent):
    for n in range(30):
        listing = ListingFactory(agent=agent)
        ViewingFactory(listing=listing, starts_at=clock.now + timedelta(days=1, minutes=30 * n))
        ViewingFactory(
            listing=listing, status="done", starts_at=clock.now - timedelta(days=1, minutes=30 * n)
        )
    return agent


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_api_list_costs_the_same_at_any_page_size(
    api_client, django_assert_num_queries, agent_with_viewings, page_size
):
    api_client.force_authenticate(agent_with_viewings)

    with django_assert_num_queries(API_LIST_QUERIES):
        response = api_client.get("/api/v1/viewings/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.data["results"]) == page_size


@pytest.mark.parametrize("count", [2, 30])
def test_the_viewings_page_costs_the_same_however_many(
    client, django_assert_num_queries, clock, agent, count
):
    for n in range(count):
        listing = ListingFactory(agent=agent)
        ViewingFactory(listing=listing, starts_at=clock.now + timedelta(days=1, minutes=30 * n))
        ViewingFactory(
            listing=listing, status="done", starts_at=clock.now - timedelta(days=1, minutes=30 * n)
        )
    client.force_login(agent)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get("/viewings/")

    assert response.status_code == 200
    assert response.content.count(b'class="viewing-row') == count + min(count, 20)


@pytest.mark.parametrize("days", [1, 30])
def test_the_slots_cost_the_same_for_any_span(
    api_client, django_assert_num_queries, clock, agent, days
):
    ViewingFactory(listing=ListingFactory(agent=agent))
    end = (clock.now + timedelta(days=days)).date().isoformat()

    with django_assert_num_queries(4):  # the agent, hours, days off, booked slots
        response = api_client.get(f"/api/v1/agents/{agent.pk}/slots/", {"to": end})

    assert response.status_code == 200
