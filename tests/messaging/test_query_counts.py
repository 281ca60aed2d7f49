"""The inbox costs the same few queries whatever the page size: no query per conversation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ConversationFactory, MessageFactory, ready_photo

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/conversations/"
# The page of conversations, with listing, buyer, agent, last message, unread count and cover
# all in one SELECT; force_authenticate adds no authentication or session queries.
INBOX_QUERIES = 1


@pytest.fixture
def agent_with_60_conversations():
    """60 conversations with 3 messages each; every third listing has photos."""
    agent = AgentFactory()
    start = timezone.now() - timedelta(days=2)
    for n in range(60):
        listing = ListingFactory(agent=agent)
        if n % 3 == 0:
            ready_photo(listing, 0)
            ready_photo(listing, 1, is_cover=True)
        buyer = BuyerFactory()
        when = start + timedelta(minutes=n)
        conversation = ConversationFactory(
            listing=listing, buyer=buyer, agent=agent, last_message_at=when
        )
        MessageFactory(conversation=conversation, sender=buyer, sent_at=when)
        MessageFactory(conversation=conversation, sender=agent, sent_at=when)
        MessageFactory(conversation=conversation, sender=buyer, sent_at=when)
    return agent


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_inbox_costs_the_same_queries_at_any_page_size(
    api_client, django_assert_num_queries, agent_with_60_conversations, page_size
):
    api_client.force_authenticate(agent_with_60_conversations)

    with django_assert_num_queries(INBOX_QUERIES):
        response = api_client.get(LIST_URL, {"page_size": page_size})

    assert response.status_code == 200
    results = response.data["results"]
    assert len(results) == page_size
    assert response.data["next"] is not None
    assert all(row["last_message"] is not None for row in results)
    assert all(row["unread_count"] == 2 for row in results)
    with_cover = [row for row in results if row["listing"]["cover"] is not None]
    assert with_cover
    assert all(row["listing"]["cover"]["url"].endswith("/thumb.jpeg") for row in with_cover)


def test_the_next_page_of_the_inbox_costs_the_same(
    api_client, django_assert_num_queries, agent_with_60_conversations
):
    api_client.force_authenticate(agent_with_60_conversations)
    first = api_client.get(LIST_URL, {"page_size": 50})

    with django_assert_num_queries(INBOX_QUERIES):
        second = api_client.get(first.data["next"])

    assert second.status_code == 200
    assert len(second.data["results"]) == 10
    assert second.data["next"] is None


def test_a_buyers_inbox_costs_the_same(api_client, django_assert_num_queries):
    buyer = BuyerFactory()
    for n in range(12):
        listing = ListingFactory()
        if n % 2:
            ready_photo(listing, 0)
        conversation = ConversationFactory(listing=listing, buyer=buyer)
        MessageFactory(conversation=conversation, sender=buyer)
        MessageFactory(conversation=conversation, sender=listing.agent)
    api_client.force_authenticate(buyer)

    with django_assert_num_queries(INBOX_QUERIES):
        response = api_client.get(LIST_URL, {"page_size": 10})

    assert len(response.data["results"]) == 10
    assert all(row["unread_count"] == 1 for row in response.data["results"])
