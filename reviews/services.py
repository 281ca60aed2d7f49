"""Writes: a buyer reviews an agent they dealt with, the agent answers once, staff hide.

Who may review (a choice, documented in docs/architecture.md): the buyer of a completed purchase,
once per purchase, and the buyer of a done video viewing, once per viewing; a review says which
it came from, so readers can weigh a purchase above a viewing. The unique constraints on the
purchase and on the viewing are the last line when two requests race.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from notifications.models import Kind
from notifications.services import notify
from purchases.models import Purchase
from reviews.models import MAX_HIDDEN_REASON, MAX_TEXT, RATINGS, Review
from reviews.selectors import agent_rating_forget, may_moderate_reviews
from viewings.models import Viewing


def _tell(recipient: User, review: Review, kind: str, message: str, **values) -> None:
    """Notify in the recipient's language, whatever language the writer uses."""
    with translation.override(recipient.language):
        text = _(message) % {"flat": review.listing.title, **values}
    notify(
        recipient=recipient,
        kind=kind,
        subject=review,
        text=text,
        link=review.get_absolute_url(),
        group_key=f"review:{review.pk}",
    )


def _forget_rating(agent_id: int) -> None:
    """The cached average changes now, and again after commit for a reader who cached the old
    figures in between."""
    agent_rating_forget(agent_id)
    transaction.on_commit(lambda: agent_rating_forget(agent_id))


def _checked_text(text: str, field: str, *, required: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: required})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("Write at most %(max)d characters.") % {"max": MAX_TEXT}})
    return text


def _checked_rating(rating) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    return rating


def review_check_allowed(
    *, by: User, purchase: Purchase | None = None, viewing: Viewing | None = None
) -> tuple[str, Purchase | Viewing]:
    """The field and the purchase or viewing a review would be about, if `by` may review it now;
    a refusal names the field. The page asks before showing the form; review_create again."""
    if (purchase is None) == (viewing is None):
        raise ValidationError(_("Review one completed purchase or one done video viewing."))
    source = purchase or viewing
    field = "purchase" if purchase is not None else "viewing"
    if source.buyer_id != by.pk:
        raise PermissionDenied(_("Only the buyer reviews the agent they dealt with."))
    if purchase is not None and purchase.status != Purchase.Status.COMPLETED:
        raise ValidationError({field: _("You can review the agent once the purchase is complete.")})
    if viewing is not None and viewing.status != Viewing.Status.DONE:
        raise ValidationError(
            {field: _("You can review the agent once the video viewing is done.")}
        )
    if Review.objects.filter(**{field: source}).exists():
        raise ValidationError({field: _("You have already reviewed the agent for this.")})
    return field, source


@transaction.atomic
def review_create(
    *,
    by: User,
    rating: int,
    text: str,
    purchase: Purchase | None = None,
    viewing: Viewing | None = None,
) -> Review:
    """The buyer of a completed purchase or a done video viewing rates its agent, once."""
    if not by.is_active:
        raise PermissionDenied(_("This account is not active."))
    field, source = review_check_allowed(by=by, purchase=purchase, viewing=viewing)
    if source.agent_id == by.pk:
        raise PermissionDenied(_("Nobody reviews themselves."))
    review = Review(
        agent=source.agent,
        author=by,
        listing=source.listing,
        rating=_checked_rating(rating),
        text=_checked_text(text, "text", required=_("Say what it was like.")),
        **{field: source},
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:  # the same purchase or viewing reviewed at the same moment
        raise ValidationError({field: _("You have already reviewed the agent for this.")}) from None
    _forget_rating(review.agent_id)
    _tell(
        review.agent,
        review,
        Kind.REVIEW_NEW,
        gettext_noop("%(who)s rated you %(stars)d/5 about “%(flat)s”."),
        who=by.display_name,
        stars=review.rating,
    )
    return review


@transaction.atomic
def review_answer(*, review: Review, by: User, text: str) -> Review:
    """The reviewed agent answers, once; the buyer is told."""
    if by.pk != review.agent_id or not by.is_active:
        raise PermissionDenied(_("Only the agent who was reviewed answers."))
    review = (
        Review.objects.select_for_update().select_related("author", "listing").get(pk=review.pk)
    )
    if review.is_hidden:
        raise ValidationError({"answer": _("This review is hidden: it takes no answer.")})
    if review.is_answered:
        raise ValidationError({"answer": _("You have answered this review already.")})
    review.answer = _checked_text(text, "answer", required=_("Write your answer."))
    review.answered_at = timezone.now()
    review.save(update_fields=["answer", "answered_at"])
    _tell(
        review.author,
        review,
        Kind.REVIEW_ANSWER,
        gettext_noop("%(who)s answered your review about “%(flat)s”."),
        who=by.display_name,
    )
    return review


def _require_moderator(by: User) -> None:
    if not may_moderate_reviews(by):
        raise PermissionDenied(_("Only staff who moderate reviews hide or show them."))


@transaction.atomic
def review_hide(*, review: Review, by: User, reason: str) -> Review:
    """Staff take a review off the agent's page and figures, saying why; its author still sees
    it, marked hidden, with the reason."""
    _require_moderator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the review is hidden.")})
    if len(reason) > MAX_HIDDEN_REASON:
        raise ValidationError(
            {"reason": _("Write at most %(max)d characters.") % {"max": MAX_HIDDEN_REASON}}
        )
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_hidden:
        raise ValidationError(_("This review is hidden already."))
    review.hidden_at = timezone.now()
    review.hidden_by = by
    review.hidden_reason = reason
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _forget_rating(review.agent_id)
    return review


@transaction.atomic
def review_show(*, review: Review, by: User) -> Review:
    """Staff put a hidden review back."""
    _require_moderator(by)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.is_hidden:
        raise ValidationError(_("This review is not hidden."))
    review.hidden_at = None
    review.hidden_by = None
    review.hidden_reason = ""
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _forget_rating(review.agent_id)
    return review
