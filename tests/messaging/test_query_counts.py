"""What the inbox and a send cost in queries: the inbox the same whatever its length, a send a
fixed few."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.models import Message
from notifications.models import Notification
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


# Sending: the conversation (with its two people), then in one transaction the sender's row lock,
# the hourly count, one UPDATE of the conversation, the message and the notification.
SEND_QUERIES = 6
# The buyer's first message and the agent's first reply also read the conversation under lock.
SEND_QUERIES_WITH_THE_CLOCK = SEND_QUERIES + 1


def _send(api_client, conversation, sender, capture_on_commit) -> tuple[list[str], list]:
    """The statements of one send through the API (not BEGIN and COMMIT), and its after-commit
    callbacks, not run (with tasks run eagerly they would send the email here)."""
    api_client.force_authenticate(sender)
    ContentType.objects.get_for_model(Message)  # cached for the process's life, as when serving
    with CaptureQueriesContext(connection) as captured, capture_on_commit() as callbacks:
        response = api_client.post(
            f"{LIST_URL}{conversation.pk}/messages/", {"body": "Hello"}, format="json"
        )
    assert response.status_code == 201
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))
    ]
    return statements, callbacks


@pytest.mark.parametrize("who", ["buyer", "agent"])
def test_a_message_in_an_answered_conversation_costs_a_fixed_few_queries(
    api_client, django_capture_on_commit_callbacks, who
):
    conversation = ConversationFactory(
        first_buyer_message_at=timezone.now() - timedelta(minutes=5), first_reply_seconds=60
    )
    sender = getattr(conversation, who)

    statements, callbacks = _send(
        api_client, conversation, sender, django_capture_on_commit_callbacks
    )

    assert len(statements) == SEND_QUERIES, statements
    assert not any('"listings_listing"' in statement for statement in statements)
    assert len(callbacks) == 1  # the email task, queued after commit
    assert Notification.objects.get().recipient == conversation.other_party(sender)
    conversation.refresh_from_db()
    assert conversation.last_message_at == Message.objects.get().sent_at
    assert conversation.first_reply_seconds == 60


def test_the_buyers_first_message_also_reads_the_conversation_under_lock(
    api_client, django_capture_on_commit_callbacks
):
    conversation = ConversationFactory()

    statements, _ = _send(
        api_client, conversation, conversation.buyer, django_capture_on_commit_callbacks
    )

    assert len(statements) == SEND_QUERIES_WITH_THE_CLOCK, statements
    if connection.features.has_select_for_update:  # SQLite serialises writers instead
        assert sum("FOR UPDATE" in statement for statement in statements) == 2  # sender, thread
    conversation.refresh_from_db()
    assert conversation.first_buyer_message_at == Message.objects.get().sent_at
