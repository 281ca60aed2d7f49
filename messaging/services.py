from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from listings.models import Listing
from marketplace.limits import check_recent_count, lock_user
from messaging.models import Conversation, Message
from notifications.models import Kind
from notifications.services import notifications_mark_read, notify

MAX_BODY = 5000


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {
                "body": _("A message has at most %(max)d characters; this one has %(count)d.")
                % {"max": MAX_BODY, "count": len(body)}
            }
        )
    return body


def _check_new_conversation_allowed(buyer: User) -> None:
    limit = settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR
    check_recent_count(
        Conversation.objects.filter(buyer=buyer),
        time_field="created_at",
        limit=limit,
        window=timedelta(hours=1),
        message=_("You have asked about %(limit)d flats in the last hour.") % {"limit": limit},
        field="listing",
    )


def _check_message_allowed(sender: User) -> None:
    limit = (
        settings.MESSAGING_AGENT_MESSAGES_PER_HOUR
        if sender.is_agent
        else settings.MESSAGING_MESSAGES_PER_HOUR
    )
    check_recent_count(
        Message.objects.filter(sender=sender),
        time_field="sent_at",
        limit=limit,
        window=timedelta(hours=1),
        message=_("You have sent %(limit)d messages in the last hour.") % {"limit": limit},
        field="body",
    )


@transaction.atomic
def conversation_start(*, buyer: User, listing: Listing, body: str) -> tuple[Conversation, bool]:
    """A buyer asks the listing's agent; asking again about the same listing continues it."""
    body = _clean_body(body)
    if buyer.is_agent or not buyer.is_active:
        raise ValidationError(_("Only buyers can ask agents about a listing."))
    if not listing.is_for_sale:
        raise ValidationError({"listing": _("This flat is no longer on the market.")})
    # The buyer's requests one at a time from here: the limits count rows this one may add.
    lock_user(buyer)
    existing = Conversation.objects.filter(listing=listing, buyer=buyer).first()
    if existing:
        message_send(conversation=existing, sender=buyer, body=body)
        return existing, False
    _check_new_conversation_allowed(buyer)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                listing=listing, buyer=buyer, agent_id=listing.agent_id
            )
    except IntegrityError:  # the same buyer asked twice at once
        conversation = Conversation.objects.get(listing=listing, buyer=buyer)
        message_send(conversation=conversation, sender=buyer, body=body)
        return conversation, False
    message_send(conversation=conversation, sender=buyer, body=body)
    return conversation, True


@transaction.atomic
def message_send(*, conversation: Conversation, sender: User, body: str) -> Message:
    if sender.pk not in (conversation.buyer_id, conversation.agent_id):
        raise ValidationError(_("Only the two people in a conversation can write in it."))
    body = _clean_body(body)
    lock_user(sender)
    _check_message_allowed(sender)
    now = timezone.now()
    if _may_start_or_stop_the_clock(conversation, sender):
        _move_with_the_clock(conversation_id=conversation.pk, sender=sender, now=now)
    else:
        # The usual message: one UPDATE, which also holds the conversation's row until commit.
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    conversation.last_message_at = now
    message = Message.objects.create(
        conversation=conversation, sender=sender, body=body, sent_at=now
    )
    notify(
        recipient=conversation.other_party(sender),
        kind=Kind.NEW_MESSAGE,
        subject=message,
        text=f"{sender.display_name}: {body[:120]}",
        link=reverse("messaging:conversation", args=[conversation.pk]),
        group_key=conversation_group(conversation),
    )
    return message


def _may_start_or_stop_the_clock(conversation: Conversation, sender: User) -> bool:
    """Whether this message may be the buyer's first or the agent's first reply.

    Read from the caller's copy, which may be stale; both fields are set once and never
    cleared, so a stale copy can only say "maybe", and then the locked row decides.
    """
    if sender.pk == conversation.buyer_id:
        return conversation.first_buyer_message_at is None
    return conversation.first_reply_seconds is None


def _move_with_the_clock(*, conversation_id: int, sender: User, now) -> None:
    """Under the conversation's row lock: the last message time, and the response clock."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    conversation.last_message_at = now
    if sender.pk == conversation.buyer_id and conversation.first_buyer_message_at is None:
        conversation.first_buyer_message_at = now
    elif (
        sender.pk == conversation.agent_id
        and conversation.first_buyer_message_at is not None
        and conversation.first_reply_seconds is None
    ):
        elapsed = now - conversation.first_buyer_message_at
        conversation.first_reply_seconds = max(0, int(elapsed.total_seconds()))
    conversation.save(
        update_fields=["last_message_at", "first_buyer_message_at", "first_reply_seconds"]
    )


def conversation_group(conversation: Conversation) -> str:
    return f"conversation:{conversation.pk}"


def conversation_mark_read(*, conversation: Conversation, reader: User) -> int:
    """Mark the other person's messages read, and their notifications; returns how many."""
    notifications_mark_read(user=reader, group_key=conversation_group(conversation))
    return (
        conversation.messages.filter(read_at__isnull=True)
        .exclude(sender=reader)
        .update(read_at=timezone.now())
    )
