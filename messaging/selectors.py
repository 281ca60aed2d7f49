import math
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from listings.aggregates import Median
from listings.models import ListingPhoto
from messaging.models import Conversation, Message

RESPONSE_WINDOW = timedelta(days=90)
_MISSING = object()  # a cached None (no answered conversations) is still a cached answer


def conversations_for(user: User) -> QuerySet[Conversation]:
    """The user's inbox, newest first, with the last message and their unread count.

    One query whatever the length: the last message and the count are subqueries.
    """
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), read_at__isnull=True)
        .exclude(sender=user)
        .order_by()
        .values("conversation")
        .annotate(count=Count("id"))
        .values("count")
    )
    cover = (
        ListingPhoto.objects.ready()
        .filter(listing=OuterRef("listing_id"))
        .order_by("-is_cover", "position", "id")
        .values("variants")[:1]
    )
    return (
        _participating(user)
        .select_related("listing", "buyer", "agent")
        .annotate(
            last_message_id=Subquery(last.values("id")[:1]),
            last_message_body=Subquery(last.values("body")[:1]),
            last_message_sender_id=Subquery(last.values("sender_id")[:1]),
            last_message_sent_at=Subquery(last.values("sent_at")[:1]),
            unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            listing_cover_variants=Subquery(cover, output_field=JSONField()),
        )
        .order_by("-last_message_at", "-id")
    )


def _participating(user: User) -> QuerySet[Conversation]:
    """A user is the buyer or the agent of a conversation, by role: one index, no OR."""
    return (
        Conversation.objects.filter(agent=user)
        if user.is_agent
        else Conversation.objects.filter(buyer=user)
    )


def conversation_for_participant(
    *, user: User, conversation_id: int, with_listing: bool = True
) -> Conversation:
    """Only the buyer and the agent ever see a conversation; anyone else gets a 404.

    The two people come with it (a message notifies the other); the listing only for pages that
    show it (the API's thread, send and mark-read do not)."""
    related = ("listing", "buyer", "agent") if with_listing else ("buyer", "agent")
    conversation = (
        Conversation.objects.filter(Q(buyer=user) | Q(agent=user))
        .select_related(*related)
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def messages_in(*, conversation: Conversation, after_id: int | None = None) -> QuerySet[Message]:
    """The thread in order; with after_id only what is newer (cheap polling by primary key)."""
    messages = conversation.messages.select_related("sender")
    if after_id is not None:
        messages = messages.filter(id__gt=after_id)
    return messages.order_by("id")


def unread_message_count(user: User) -> int:
    return (
        Message.objects.filter(conversation__in=_participating(user), read_at__isnull=True)
        .exclude(sender=user)
        .count()
    )


def agent_median_response_seconds(agent_id: int) -> int | None:
    """The median time the agent took to answer a buyer's first message, last 90 days (cached)."""
    key = f"messaging:agent-response:{agent_id}"
    cached = cache.get(key, _MISSING)
    if cached is not _MISSING:
        return cached
    median = Conversation.objects.filter(
        agent_id=agent_id,
        first_buyer_message_at__gte=timezone.now() - RESPONSE_WINDOW,
        first_reply_seconds__isnull=False,
    ).aggregate(median=Median("first_reply_seconds"))["median"]
    seconds = None if median is None else math.floor(median + 0.5)
    cache.set(key, seconds, settings.MESSAGING_RESPONSE_TIME_CACHE_SECONDS)
    return seconds


def existing_conversation(*, user: User, listing) -> Conversation | None:
    if not user.is_authenticated or user.is_agent:
        return None
    return Conversation.objects.filter(listing=listing, buyer=user).first()


def with_unread_conversations(listings: QuerySet) -> QuerySet:
    """Annotate `unread_conversations`: per listing, the conversations where a buyer's message is
    still unread by the agent (the agent's workbench), in the same query."""
    unread_from_buyer = Message.objects.filter(
        conversation=OuterRef("pk"), read_at__isnull=True, sender=OuterRef("buyer")
    )
    conversations = (
        Conversation.objects.filter(listing=OuterRef("pk"))
        .filter(Exists(unread_from_buyer))
        .order_by()
        .values("listing")
        .annotate(count=Count("id"))
        .values("count")
    )
    return listings.annotate(
        unread_conversations=Coalesce(Subquery(conversations, output_field=IntegerField()), 0)
    )


def conversations_awaiting_reply(agent: User) -> QuerySet[Conversation]:
    """The agent's conversations whose last message is the buyer's, longest waiting first, with
    `waiting_since` (when that message came)."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    return (
        Conversation.objects.filter(agent=agent)
        .annotate(
            last_sender_id=Subquery(last.values("sender_id")[:1]),
            waiting_since=Subquery(last.values("sent_at")[:1]),
        )
        .filter(last_sender_id=F("buyer_id"))
        .select_related("listing", "buyer")
        .order_by("waiting_since", "id")
    )
