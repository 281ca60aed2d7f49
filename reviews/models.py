"""A buyer's review of an agent, allowed only to someone who dealt with them: a completed
purchase or a done video viewing (services.review_create); one review per purchase or viewing."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 2000
MAX_HIDDEN_REASON = 300
RATINGS = range(1, 6)


class ReviewQuerySet(models.QuerySet):
    def visible(self):
        """What everyone reads, and what the average and count are made of."""
        return self.filter(hidden_at__isnull=True)

    def visible_to(self, user):
        """The visible reviews, and the viewer's own even when staff hid them (marked hidden)."""
        if not user.is_authenticated:
            return self.visible()
        return self.filter(Q(hidden_at__isnull=True) | Q(author=user))


class Review(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_received",
        verbose_name=_("agent"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_written",
        verbose_name=_("buyer"),
    )
    # What gave the buyer the right to review: exactly one of the two (a check constraint).
    purchase = models.ForeignKey(
        "purchases.Purchase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("purchase"),
    )
    viewing = models.ForeignKey(
        "viewings.Viewing",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("video viewing"),
    )
    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("flat"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), choices=[(stars, str(stars)) for stars in RATINGS]
    )
    text = models.TextField(_("review"), max_length=MAX_TEXT)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    answer = models.TextField(_("agent's answer"), max_length=MAX_TEXT, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(
        _("why it is hidden"), max_length=MAX_HIDDEN_REASON, blank=True
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        permissions = [("hide_review", _("Can hide and show reviews"))]
        constraints = [
            models.UniqueConstraint(fields=["purchase"], name="review_one_per_purchase"),
            models.UniqueConstraint(fields=["viewing"], name="review_one_per_viewing"),
            models.CheckConstraint(
                condition=Q(purchase__isnull=False, viewing__isnull=True)
                | Q(purchase__isnull=True, viewing__isnull=False),
                name="review_from_a_purchase_or_a_viewing",
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="review_has_text"),
            models.CheckConstraint(condition=~Q(author=F("agent")), name="review_not_of_oneself"),
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True)
                | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="review_answer_has_time",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="review_hidden_with_reason",
            ),
        ]
        indexes = [
            # The agent's page and their average: visible reviews, newest first.
            models.Index(
                fields=["agent", "-created_at", "-id"],
                name="review_agent_visible",
                condition=Q(hidden_at__isnull=True),
            ),
            models.Index(fields=["author"], name="review_author"),
        ]

    def __str__(self):
        return f"{self.agent} · {self.rating}/5 · {self.author}"

    def get_absolute_url(self):
        return f"{reverse('reviews:agent', args=[self.agent_id])}#review-{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def stars(self) -> str:
        return "★" * self.rating + "☆" * (5 - self.rating)
