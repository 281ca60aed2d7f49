"""Reads: an agent's rating and reviews, who may review what, and the one check for answering."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Avg, Count, Exists, OuterRef, QuerySet
from django.http import Http404

from accounts.models import User
from purchases.models import Purchase
from reviews.models import Review
from viewings.models import Viewing

# The listing page reads it on every view; a review written or hidden drops it at once.
RATING_CACHE_SECONDS = 60 * 60
_MISSING = object()


@dataclass(frozen=True)
class AgentRating:
    average: Decimal | None  # one decimal, None without reviews
    count: int


def _rating_key(agent_id: int) -> str:
    return f"reviews:agent-rating:{agent_id}"


def agent_rating(agent_id: int) -> AgentRating:
    """The average (one decimal) and count of the agent's visible reviews: one query, cached."""
    cached = cache.get(_rating_key(agent_id), _MISSING)
    if cached is not _MISSING:
        return cached
    figures = (
        Review.objects.visible()
        .filter(agent_id=agent_id)
        .aggregate(average=Avg("rating"), count=Count("id"))
    )
    average = figures["average"]
    rating = AgentRating(
        average=None
        if average is None
        else Decimal(str(average)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        count=figures["count"],
    )
    cache.set(_rating_key(agent_id), rating, RATING_CACHE_SECONDS)
    return rating


def agent_rating_forget(agent_id: int) -> None:
    cache.delete(_rating_key(agent_id))


def reviewed_agent(agent_id: int) -> User:
    """An agent, whose reviews anyone may read (also after they left); a 404 for anyone else."""
    agent = (
        User.objects.filter(pk=agent_id, role=User.Role.AGENT)
        .select_related("agent_profile")
        .first()
    )
    if agent is None:
        raise Http404
    return agent


def reviews_of_agent(agent: User, *, viewer: User) -> QuerySet[Review]:
    """The agent's reviews that the viewer may read, newest first, with what the page shows
    (one query a page): the visible ones, and the viewer's own marked hidden if staff hid it."""
    return (
        Review.objects.visible_to(viewer)
        .filter(agent=agent)
        .select_related("author", "listing")
        .order_by("-created_at", "-id")
    )


def review_to_answer(*, user: User, review_id: int) -> Review:
    """A visible review of the user (an agent) themselves; a 404 for anyone else's."""
    if not user.is_authenticated:
        raise Http404
    review = Review.objects.visible().filter(pk=review_id, agent=user).first()
    if review is None:
        raise Http404
    return review


def own_purchase(*, user: User, purchase_id: int) -> Purchase:
    """The user's purchase as its buyer, whatever its status (the service says what may be
    reviewed); a 404 for anyone else's."""
    purchase = (
        Purchase.objects.filter(pk=purchase_id, buyer_id=user.pk)
        .select_related("agent", "listing")
        .first()
    )
    if purchase is None:
        raise Http404
    return purchase


def own_viewing(*, user: User, viewing_id: int) -> Viewing:
    viewing = (
        Viewing.objects.filter(pk=viewing_id, buyer_id=user.pk)
        .select_related("agent", "listing")
        .first()
    )
    if viewing is None:
        raise Http404
    return viewing


def review_of_purchase(purchase: Purchase) -> Review | None:
    return Review.objects.filter(purchase=purchase).first()


def _not_reviewed(model) -> Exists:
    return ~Exists(Review.objects.filter(**{model._meta.model_name: OuterRef("pk")}))


def purchases_to_review(*, user: User, agent: User | None = None) -> QuerySet[Purchase]:
    """The buyer's completed purchases not reviewed yet (with one agent, if given)."""
    if not user.is_authenticated:
        return Purchase.objects.none()
    purchases = Purchase.objects.filter(buyer=user, status=Purchase.Status.COMPLETED)
    if agent is not None:
        purchases = purchases.filter(agent=agent)
    return (
        purchases.filter(_not_reviewed(Purchase))
        .select_related("listing", "agent")
        .order_by("-closed_at", "-id")
    )


def viewings_to_review(*, user: User, agent: User | None = None) -> QuerySet[Viewing]:
    """The buyer's done video viewings not reviewed yet (with one agent, if given)."""
    if not user.is_authenticated:
        return Viewing.objects.none()
    viewings = Viewing.objects.filter(buyer=user, status=Viewing.Status.DONE)
    if agent is not None:
        viewings = viewings.filter(agent=agent)
    return (
        viewings.filter(_not_reviewed(Viewing))
        .select_related("listing", "agent")
        .order_by("-starts_at", "-id")
    )


def may_moderate_reviews(user) -> bool:
    """Whether the user hides and shows reviews: staff superusers, or staff given the
    "Can hide and show reviews" permission (directly or through a group) in the admin."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("reviews.hide_review")
    )
