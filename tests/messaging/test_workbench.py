"""What messaging adds to the agent's workbench: unread conversations per listing, and the
buyers waiting for an answer, longest first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from listings.models import Listing
from messaging.selectors import conversations_awaiting_reply, with_unread_conversations
from tests.accounts.factories import AgentFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_unread_conversations_count_each_conversation_with_a_buyers_unread_message_once():
    listing = ListingFactory()
    twice = ConversationFactory(listing=listing)
    MessageFactory.create_batch(2, conversation=twice)
    MessageFactory(conversation=ConversationFactory(listing=listing))
    read = ConversationFactory(listing=listing)
    MessageFactory(conversation=read, read_at=timezone.now())
    quiet = ListingFactory(agent=listing.agent)

    counts = dict(
        with_unread_conversations(Listing.objects.all()).values_list("pk", "unread_conversations")
    )

    assert counts == {listing.pk: 2, quiet.pk: 0}


def test_buyers_waiting_longest_come_first_and_answered_ones_not_at_all():
    agent = AgentFactory()
    recent = ConversationFactory(listing=ListingFactory(agent=agent))
    MessageFactory(conversation=recent, sent_at=hours_ago(1))
    oldest = ConversationFactory(listing=ListingFactory(agent=agent))
    MessageFactory(conversation=oldest, sent_at=hours_ago(30))
    answered = ConversationFactory(listing=ListingFactory(agent=agent))
    MessageFactory(conversation=answered, sent_at=hours_ago(40))
    MessageFactory(conversation=answered, sender=agent, sent_at=hours_ago(39))
    MessageFactory(conversation=ConversationFactory(), sent_at=hours_ago(50))  # another agent's

    waiting = list(conversations_awaiting_reply(agent))

    assert waiting == [oldest, recent]
    assert waiting[0].waiting_since == oldest.messages.get().sent_at
