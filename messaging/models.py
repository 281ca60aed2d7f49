from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photos.variants import variant_payload


class Conversation(models.Model):
    """One buyer and the listing's agent, about one listing: asking again continues it."""

    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("listing"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="buyer_conversations",
        verbose_name=_("buyer"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent_conversations",
        verbose_name=_("agent"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)
    # Kept as the messages come, so an agent's response time never needs a scan of messages.
    first_buyer_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_reply_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "buyer"], name="conversation_one_per_buyer_and_listing"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-last_message_at"], name="conversation_buyer_inbox"),
            models.Index(fields=["agent", "-last_message_at"], name="conversation_agent_inbox"),
            models.Index(
                fields=["agent", "first_buyer_message_at"], name="conversation_agent_replies"
            ),
            models.Index(fields=["buyer", "created_at"], name="conversation_buyer_started"),
        ]

    def __str__(self):
        return f"{self.listing} · {self.buyer}"

    @property
    def listing_cover(self) -> dict | None:
        """The listing's cover thumbnail, from the inbox query's annotation."""
        return variant_payload(getattr(self, "listing_cover_variants", None), "thumb")

    def other_party(self, user):
        return self.agent if user.pk == self.buyer_id else self.buyer


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sent_messages",
        verbose_name=_("sender"),
    )
    body = models.TextField(_("message"), max_length=5000)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_thread"),
            models.Index(
                fields=["conversation", "sender"],
                name="message_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            # The hourly message limit counts a sender's latest messages.
            models.Index(fields=["sender", "sent_at"], name="message_sender_sent"),
        ]

    def __str__(self):
        return self.body[:60]
