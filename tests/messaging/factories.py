import hashlib

import factory
from django.utils import timezone

from listings.models import ListingPhoto
from messaging.models import Conversation, Message
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory


class ConversationFactory(factory.django.DjangoModelFactory):
    """A conversation row as the database holds it; use the services to get the bookkeeping."""

    class Meta:
        model = Conversation

    listing = factory.SubFactory(ListingFactory)
    buyer = factory.SubFactory(BuyerFactory)
    agent = factory.LazyAttribute(lambda conversation: conversation.listing.agent)
    last_message_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    """A message row; it does not move the conversation's last_message_at or response time."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.LazyAttribute(lambda message: message.conversation.buyer)
    body = factory.Sequence(lambda n: f"Is the flat still for sale? ({n})")
    sent_at = factory.LazyFunction(timezone.now)


def ready_photo(listing, n: int, *, is_cover=False) -> ListingPhoto:
    """A processed photo row with fake variants; no files are stored."""
    digest = hashlib.sha256(f"photo {listing.pk} {n}".encode()).hexdigest()
    return ListingPhoto.objects.create(
        listing=listing,
        original=f"originals/{digest}.jpg",
        content_hash=digest,
        position=n,
        is_cover=is_cover,
        status=ListingPhoto.Status.READY,
        width=800,
        height=600,
        variants={
            name: {
                "width": width,
                "height": width * 3 // 4,
                "webp": f"listings/{listing.pk}/{digest[:8]}/{name}.webp",
                "jpeg": f"listings/{listing.pk}/{digest[:8]}/{name}.jpeg",
            }
            for name, width in (("large", 800), ("medium", 800), ("thumb", 400))
        },
    )
