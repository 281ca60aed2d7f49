from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NEW_MESSAGE = "new_message", _("New message")
    RENOVATION_UPDATE = "renovation_update", _("Renovation update")
    RENOVATION_TASK_DONE = "renovation_task_done", _("Renovation task done")
    RENOVATION_TASK_ACCEPTED = "renovation_task_accepted", _("Renovation task accepted")
    RENOVATION_OVER_BUDGET = "renovation_over_budget", _("Renovation over budget")
    RENOVATION_INVITATION = "renovation_invitation", _("Invitation to a renovation")
    PRICE_CUT = "price_cut", _("Price cut on a saved flat")
    SEARCH_MATCH = "search_match", _("New flat for a saved search")
    LISTING_EXPIRING = "listing_expiring", _("Listing about to expire")
    VIEWING_REQUEST = "viewing_request", _("Video viewing requested or changed by the buyer")
    VIEWING_ANSWER = "viewing_answer", _("Agent's answer about a video viewing")
    VIEWING_REMINDER = "viewing_reminder", _("Video viewing in an hour")
    PURCHASE_UPDATE = "purchase_update", _("Purchase opened, accepted or closed")
    PURCHASE_STEP_DONE = "purchase_step_done", _("Purchase step done")
    REVIEW_NEW = "review_new", _("New review of you as an agent")
    REVIEW_ANSWER = "review_answer", _("Agent's answer to your review")


class Notification(models.Model):
    """Something a user should know; also the email outbox (`emailed_at` null: not sent yet)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    # Emails are gathered per group: one email per conversation per window, say.
    group_key = models.CharField(max_length=64)
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=300)
    # What a gathering notification lists (a saved search's first new flats), each
    # {"text": ..., "link": ...}: shown under its text on the page, in the API and the email.
    items = models.JSONField(_("items"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # Set when the recipient did not want this kind by email: it never waits in the outbox.
    email_skipped = models.BooleanField(default=False)
    # Not emailed before this time (daily alerts wait for the morning); null: at once.
    email_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            models.Index(
                fields=["recipient", "group_key"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"],
                name="notification_outbox",
                condition=Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.text


class EmailOptOut(models.Model):
    """A kind of notification the user does not want by email (in-app notifications stay)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}"
