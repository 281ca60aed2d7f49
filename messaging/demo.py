"""Demo conversations (called by `manage.py load_demo` after the listings demo; idempotent):
buyers asking agent1 about flats, one answered and two still waiting, so the agent's to-do
list on the admin index and the unread counts in the listing list have something to show."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from listings.models import Listing
from messaging.models import Conversation, Message
from messaging.services import conversation_start, message_send

# (buyer, question, hours ago, the agent's answer or None)
QUESTIONS = [
    ("buyer1", "这套房还在卖吗？暖气费一年多少？", 5, None),
    ("buyer2", "请问能视频看房吗？我在上海。", 26, None),
    (
        "buyer3",
        "Is the ownership certificate ready for transfer?",
        50,
        "是的，房本在手，随时可以过户。",
    ),
]


@transaction.atomic
def load_messaging_demo(*, now=None) -> None:
    now = now or timezone.now()
    agent = User.objects.filter(username="agent1").first()
    if agent is None:
        return
    flats = list(Listing.objects.active().filter(agent=agent).order_by("id")[: len(QUESTIONS)])
    for listing, (username, question, hours_ago, answer) in zip(flats, QUESTIONS, strict=False):
        buyer = User.objects.get(username=username)
        if Conversation.objects.filter(listing=listing, buyer=buyer).exists():
            continue
        conversation, _created = conversation_start(buyer=buyer, listing=listing, body=question)
        asked_at = now - timedelta(hours=hours_ago)
        # Asked some hours ago, so the to-do list says how long the buyer has waited.
        Message.objects.filter(conversation=conversation).update(sent_at=asked_at)
        Conversation.objects.filter(pk=conversation.pk).update(
            created_at=asked_at, last_message_at=asked_at, first_buyer_message_at=asked_at
        )
        if answer:
            conversation.refresh_from_db()
            message_send(conversation=conversation, sender=agent, body=answer)
