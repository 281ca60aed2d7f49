"""The messaging rules below the API: who may write, and how an agent's response time is kept."""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from listings.models import Listing
from messaging import selectors, services
from messaging.models import Conversation, Message
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@contextmanager
def at(moment):
    with patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def buyer():
    return BuyerFactory()


@pytest.fixture
def listing(agent):
    return ListingFactory(agent=agent)


# conversation_start


def test_starting_a_conversation_links_the_buyer_and_the_listings_agent(buyer, agent, listing):
    conversation, created = services.conversation_start(
        buyer=buyer, listing=listing, body="  Is it still for sale?  "
    )

    assert created is True
    assert (conversation.buyer, conversation.agent, conversation.listing) == (buyer, agent, listing)
    message = conversation.messages.get()
    assert (message.sender, message.body) == (buyer, "Is it still for sale?")
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.sent_at
    assert conversation.first_buyer_message_at == message.sent_at
    assert conversation.first_reply_seconds is None


def test_starting_again_continues_the_same_conversation(buyer, listing):
    first, created_first = services.conversation_start(buyer=buyer, listing=listing, body="One")
    second, created_second = services.conversation_start(buyer=buyer, listing=listing, body="Two")

    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Conversation.objects.count() == 1
    assert list(first.messages.values_list("body", flat=True)) == ["One", "Two"]


def test_an_agent_cannot_start_a_conversation(listing):
    with pytest.raises(ValidationError):
        services.conversation_start(buyer=AgentFactory(), listing=listing, body="Hello")

    assert not Conversation.objects.exists()


def test_an_inactive_buyer_cannot_start_a_conversation(listing):
    with pytest.raises(ValidationError):
        services.conversation_start(buyer=BuyerFactory(is_active=False), listing=listing, body="Hi")

    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    "status",
    [Listing.Status.DRAFT, Listing.Status.RESERVED, Listing.Status.SOLD, Listing.Status.WITHDRAWN],
)
def test_only_a_listing_on_the_market_can_be_asked_about(buyer, agent, status):
    listing = ListingFactory(agent=agent, status=status)

    with pytest.raises(ValidationError) as error:
        services.conversation_start(buyer=buyer, listing=listing, body="Hello")

    assert "listing" in error.value.message_dict
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("body", ["", "  \n ", None])
def test_a_blank_first_message_is_refused(buyer, listing, body):
    with pytest.raises(ValidationError) as error:
        services.conversation_start(buyer=buyer, listing=listing, body=body)

    assert "body" in error.value.message_dict
    assert not Conversation.objects.exists()


def test_a_message_may_have_5000_characters_but_not_5001(buyer, listing):
    conversation, _ = services.conversation_start(buyer=buyer, listing=listing, body="x" * 5000)

    with pytest.raises(ValidationError) as error:
        services.message_send(conversation=conversation, sender=buyer, body="x" * 5001)

    assert "body" in error.value.message_dict
    assert conversation.messages.count() == 1


def test_the_new_conversation_limit_counts_the_last_hour_only(settings, buyer, agent):
    settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR = 2
    first, second, third = ListingFactory.create_batch(3, agent=agent)
    now = timezone.now()
    with at(now - timedelta(minutes=61)):
        services.conversation_start(buyer=buyer, listing=first, body="1")
    with at(now - timedelta(minutes=30)):
        services.conversation_start(buyer=buyer, listing=second, body="2")

    with at(now):
        _, created = services.conversation_start(buyer=buyer, listing=third, body="3")

    assert created is True
    fourth = ListingFactory(agent=agent)
    with at(now), pytest.raises(ValidationError) as error:
        services.conversation_start(buyer=buyer, listing=fourth, body="4")
    assert "listing" in error.value.message_dict


# message_send


def test_only_the_two_people_can_write_in_a_conversation(buyer, listing):
    conversation, _ = services.conversation_start(buyer=buyer, listing=listing, body="Hello")

    for outsider in (BuyerFactory(), AgentFactory()):
        with pytest.raises(ValidationError):
            services.message_send(conversation=conversation, sender=outsider, body="Spam")

    assert conversation.messages.count() == 1


def test_sending_moves_the_conversations_last_message_time(buyer, agent, listing):
    t0 = timezone.now() - timedelta(hours=2)
    with at(t0):
        conversation, _ = services.conversation_start(buyer=buyer, listing=listing, body="Hi")
    with at(t0 + timedelta(minutes=7)):
        message = services.message_send(conversation=conversation, sender=agent, body="Hello")

    conversation.refresh_from_db()
    assert message.sent_at == t0 + timedelta(minutes=7)
    assert conversation.last_message_at == t0 + timedelta(minutes=7)


# Agent response time


def test_the_response_time_runs_from_the_buyers_first_message_to_the_agents_first_reply(
    buyer, agent, listing
):
    # Given a buyer who writes at t0 and again 5 minutes later
    t0 = timezone.now() - timedelta(days=1)
    with at(t0):
        conversation, _ = services.conversation_start(buyer=buyer, listing=listing, body="Hi")
    with at(t0 + timedelta(minutes=5)):
        services.message_send(conversation=conversation, sender=buyer, body="Anyone there?")
    conversation.refresh_from_db()
    assert conversation.first_buyer_message_at == t0
    assert conversation.first_reply_seconds is None

    # When the agent replies 30 minutes after the first message
    with at(t0 + timedelta(minutes=30)):
        services.message_send(conversation=conversation, sender=agent, body="Yes, hello")

    # Then the response time is 30 minutes
    conversation.refresh_from_db()
    assert conversation.first_reply_seconds == 1800

    # And later replies do not change it
    with at(t0 + timedelta(hours=5)):
        services.message_send(conversation=conversation, sender=agent, body="Still there?")
        services.message_send(conversation=conversation, sender=buyer, body="Yes")
    conversation.refresh_from_db()
    assert conversation.first_reply_seconds == 1800
    assert conversation.first_buyer_message_at == t0


def test_an_agent_message_before_any_buyer_message_starts_no_clock(buyer, agent, listing):
    conversation = ConversationFactory(listing=listing, buyer=buyer)

    services.message_send(conversation=conversation, sender=agent, body="Hello")

    conversation.refresh_from_db()
    assert conversation.first_buyer_message_at is None
    assert conversation.first_reply_seconds is None


# Median response time


def answered(agent, seconds, *, days_ago=1):
    """A conversation the agent answered `seconds` after the buyer's first message."""
    return ConversationFactory(
        listing=ListingFactory(agent=agent),
        first_buyer_message_at=timezone.now() - timedelta(days=days_ago),
        first_reply_seconds=seconds,
    )


def unanswered(agent, *, days_ago=1):
    return ConversationFactory(
        listing=ListingFactory(agent=agent),
        first_buyer_message_at=timezone.now() - timedelta(days=days_ago),
        first_reply_seconds=None,
    )


def test_the_median_of_an_odd_number_of_replies_is_the_middle_one(agent):
    for seconds in (4000, 60, 300, 7200, 900):
        answered(agent, seconds)

    assert selectors.agent_median_response_seconds(agent.pk) == 900


def test_the_median_of_an_even_number_of_replies_is_the_mean_of_the_middle_two(agent):
    for seconds in (60, 300, 1000, 9000):
        answered(agent, seconds)

    assert selectors.agent_median_response_seconds(agent.pk) == 650


@pytest.mark.parametrize(
    ("replies", "expected"),
    [((100, 201), 151), ((100, 202), 151), ((100, 199), 150), ((1, 2, 3, 4), 3)],
)
def test_a_half_second_median_rounds_up(agent, replies, expected):
    for seconds in replies:
        answered(agent, seconds)

    assert selectors.agent_median_response_seconds(agent.pk) == expected


def test_the_median_ignores_old_unanswered_and_other_agents_conversations(agent):
    # Given three answered conversations in the last 90 days: median 300
    for seconds in (60, 300, 600):
        answered(agent, seconds)
    # And some that must not count
    answered(agent, 1, days_ago=91)
    answered(agent, 2, days_ago=120)
    unanswered(agent)
    unanswered(agent)
    unanswered(agent)
    answered(AgentFactory(), 5)
    answered(AgentFactory(), 6)

    assert selectors.agent_median_response_seconds(agent.pk) == 300


def test_an_agent_without_answered_conversations_has_no_median(agent):
    unanswered(agent)
    answered(agent, 60, days_ago=100)

    assert selectors.agent_median_response_seconds(agent.pk) is None
    # The "no median" answer is cached too, and still reads as None
    assert selectors.agent_median_response_seconds(agent.pk) is None


def test_the_median_is_cached_until_the_cache_is_cleared(agent):
    # Given a cached median
    answered(agent, 60)
    assert selectors.agent_median_response_seconds(agent.pk) == 60

    # When the data changes
    answered(agent, 600)
    answered(agent, 700)

    # Then the cached value is still returned
    assert selectors.agent_median_response_seconds(agent.pk) == 60

    # And the new one once the cache is cleared
    cache.clear()
    assert selectors.agent_median_response_seconds(agent.pk) == 600


def test_the_median_is_cached_per_agent(agent):
    other = AgentFactory()
    answered(agent, 60)
    answered(other, 120)

    assert selectors.agent_median_response_seconds(agent.pk) == 60
    assert selectors.agent_median_response_seconds(other.pk) == 120


def test_a_median_of_zero_seconds_reads_the_same_from_the_cache(agent):
    answered(agent, 0)
    answered(agent, 0)
    answered(agent, 5)

    assert selectors.agent_median_response_seconds(agent.pk) == 0
    assert selectors.agent_median_response_seconds(agent.pk) == 0


def test_mark_read_counts_only_the_other_persons_unread_messages(buyer, agent, listing):
    conversation, _ = services.conversation_start(buyer=buyer, listing=listing, body="Hi")
    services.message_send(conversation=conversation, sender=agent, body="Hello")
    services.message_send(conversation=conversation, sender=agent, body="Still there?")

    assert services.conversation_mark_read(conversation=conversation, reader=buyer) == 2
    assert services.conversation_mark_read(conversation=conversation, reader=buyer) == 0
    assert selectors.unread_message_count(agent) == 1
    assert selectors.unread_message_count(buyer) == 0
    assert Message.objects.filter(read_at__isnull=False).count() == 2
