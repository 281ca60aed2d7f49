"""Reads: who may see a purchase (its buyer and its agent, nobody else) and its progress."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from messaging.models import Conversation
from purchases import steps as checklist
from purchases.models import Purchase, Step, StepDocument, StepPhoto


def _parties(user: User) -> Q:
    return Q(buyer=user) | Q(agent=user)


def purchases_for(user: User) -> QuerySet[Purchase]:
    """The purchases the user is the buyer or the agent of, newest first, with their progress
    (`steps_total`, `steps_finished`) and next step (prefetched `todo_steps`): two queries."""
    if not user.is_authenticated:
        return Purchase.objects.none()
    return (
        Purchase.objects.filter(_parties(user))
        .select_related("listing__city", "listing__district", "buyer", "agent")
        .annotate(
            steps_total=Count("steps"),
            steps_finished=Count("steps", filter=~Q(steps__status=Step.Status.TODO)),
        )
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=Step.objects.filter(status=Step.Status.TODO).order_by("position"),
                to_attr="todo_steps",
            )
        )
        .order_by("-created_at", "-id")
    )


def purchase_for(*, user: User, purchase_id: int) -> Purchase:
    """The purchase if the user is its buyer or its agent; a 404 for anyone else, whoever they
    are (staff included): a purchase's papers are the two parties' business."""
    if not user.is_authenticated:
        raise Http404
    purchase = (
        Purchase.objects.filter(_parties(user), pk=purchase_id)
        .select_related("listing__city", "listing__district", "buyer", "agent", "renovation")
        .first()
    )
    if purchase is None:
        raise Http404
    purchase.role = checklist.role_in(purchase, user)
    return purchase


def purchase_files_visible_to(user: User, purchase_id: int) -> bool:
    """Whether the user may see this purchase's photo files (photos.access): its two parties."""
    if not user.is_authenticated:
        return False
    return Purchase.objects.filter(_parties(user), pk=purchase_id).exists()


def steps_of(purchase: Purchase) -> list[Step]:
    """The steps in order with their documents and ready photos: three queries."""
    return list(
        purchase.steps.order_by("position").prefetch_related(
            Prefetch("documents", queryset=StepDocument.objects.select_related("uploaded_by")),
            Prefetch("photos", queryset=StepPhoto.objects.order_by("id")),
        )
    )


def step_for(*, purchase: Purchase, step_id: int) -> Step:
    step = purchase.steps.filter(pk=step_id).first()
    if step is None:
        raise Http404
    return step


def document_for(*, purchase: Purchase, document_id: int) -> StepDocument:
    document = purchase.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


@dataclass(frozen=True)
class Progress:
    finished: int
    total: int
    next_step: Step | None

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0

    @property
    def next_words(self) -> str:
        """The next step in words: who does what."""
        if self.next_step is None:
            return _("Every step is done.")
        rule = checklist.rule_of(self.next_step)
        return _("Next: %(step)s. %(who)s: %(what)s") % {
            "step": self.next_step.get_kind_display(),
            "who": rule.actor_label,
            "what": rule.what_to_do,
        }


def progress_of(steps: list[Step]) -> Progress:
    finished = sum(1 for step in steps if step.is_finished)
    next_step = next((step for step in steps if not step.is_finished), None)
    return Progress(finished=finished, total=len(steps), next_step=next_step)


def listed_progress(purchase: Purchase) -> Progress:
    """The progress of a purchase from purchases_for's annotations (no query)."""
    todo = purchase.todo_steps
    return Progress(
        finished=purchase.steps_finished,
        total=purchase.steps_total,
        next_step=todo[0] if todo else None,
    )


def proposable_conversations(agent: User):
    """Buyers who asked the agent about one of their flats on the market: whom an agent may
    propose a purchase to (an agent cannot start one with a stranger)."""
    return (
        Conversation.objects.filter(agent=agent, listing__agent=agent, listing__status="active")
        .select_related("buyer", "listing")
        .order_by("-last_message_at", "-id")
    )
