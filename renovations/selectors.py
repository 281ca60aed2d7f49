"""Reads: who may see a project, and its figures (totals, progress) in fixed numbers of queries."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from renovations.models import (
    Expense,
    Invitation,
    ProjectMember,
    RenovationPhoto,
    RenovationProject,
    Role,
    Task,
    Update,
)

RANK = {Role.VIEWER: 0, Role.MANAGER: 1, Role.OWNER: 2}
# The warning shows when spent > budget × (100 + 8) / 100: strictly more than 8 % over.
OVERRUN_TOLERANCE_PERCENT = 8


def _member_role(user: User) -> Subquery:
    return Subquery(
        ProjectMember.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    )


def role_of(project: RenovationProject, user: User) -> str | None:
    """The user's role in the project, or None when they have none."""
    if not user.is_authenticated:
        return None
    if project.owner_id == user.pk:
        return Role.OWNER
    role = getattr(project, "member_role", None)
    if role is None:
        role = project.members.filter(user=user).values_list("role", flat=True).first()
    return role


def project_for(*, user: User, project_id: int, role_needed: str = Role.VIEWER):
    """The project if the user is its owner or a member; anyone else gets a 404.

    A member without the role needed (a viewer writing, a manager accepting) gets a
    PermissionDenied: they know the project exists, they just may not do this.
    The project carries `role`, the user's role in it.
    """
    if not user.is_authenticated:
        raise Http404
    project = (
        RenovationProject.objects.filter(pk=project_id)
        .select_related("owner", "listing")
        .annotate(member_role=_member_role(user))
        .first()
    )
    role = role_of(project, user) if project else None
    if role is None:
        raise Http404
    project.role = role
    if RANK[role] < RANK[role_needed]:
        raise PermissionDenied(_not_allowed_message(role_needed))
    return project


def project_photos_visible_to(user: User, project_id: int) -> bool:
    """Whether the user may see this project's photo files (photos.access): its owner and
    members, through project_for; a removed member no longer."""
    try:
        project_for(user=user, project_id=project_id)
    except Http404:
        return False
    return True


def _not_allowed_message(role_needed: str) -> str:
    if role_needed == Role.OWNER:
        return _("Only the project's owner can do this.")
    return _("Viewers can read this project but not change it.")


def can(project: RenovationProject, role_needed: str) -> bool:
    return RANK[project.role] >= RANK[role_needed]


def projects_open_to(user: User) -> QuerySet[RenovationProject]:
    """Who may see a project, as a queryset: its owner and its members (not the invited)."""
    member_of = ProjectMember.objects.filter(user=user).values("project")
    return RenovationProject.objects.filter(Q(owner=user) | Q(pk__in=member_of))


def projects_for(user: User) -> QuerySet[RenovationProject]:
    """The user's own projects and those they are a member of, with their spending: one query."""
    spent = (
        Expense.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        projects_open_to(user)
        .select_related("owner")
        .annotate(
            member_role=_member_role(user),
            spent=Coalesce(Subquery(spent, output_field=IntegerField()), Value(0)),
        )
        .order_by("-created_at", "-id")
    )


def tasks_of(project: RenovationProject) -> QuerySet[Task]:
    return project.tasks.order_by("position", "id")


def expenses_of(project: RenovationProject) -> QuerySet[Expense]:
    return project.expenses.select_related("task", "added_by", "receipt").order_by(
        "-spent_on", "-id"
    )


def updates_of(project: RenovationProject) -> QuerySet[Update]:
    """The timeline, newest first, with every update's photos in one more query."""
    return (
        project.updates.select_related("author")
        .prefetch_related(
            Prefetch(
                "photos", queryset=RenovationPhoto.objects.order_by("id"), to_attr="all_photos"
            )
        )
        .order_by("-created_at", "-id")
    )


def members_of(project: RenovationProject) -> QuerySet[ProjectMember]:
    return project.members.select_related("user").order_by("added_at", "id")


def pending_invitations_of(project: RenovationProject) -> QuerySet[Invitation]:
    """For the owner: what they typed, never whom it named (see `Invitation`)."""
    return project.invitations.pending().order_by("created_at", "id")


def invitations_for(user: User) -> QuerySet[Invitation]:
    """Invitations to this user, answered or not; anyone else's are not there (a 404)."""
    if not user.is_authenticated:
        return Invitation.objects.none()
    return Invitation.objects.filter(user=user)


def pending_invitations_for(user: User) -> QuerySet[Invitation]:
    """What the user is asked to answer, with each project and who asked: one query."""
    return (
        invitations_for(user)
        .pending()
        .select_related("project", "invited_by")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    label: str
    spent: int


@dataclass(frozen=True)
class Progress:
    estimated_total: int
    accepted_cost: int
    done_cost: int  # done or accepted
    tasks: int
    tasks_accepted: int
    tasks_done: int  # done or accepted
    accepted_percent: int
    done_percent: int


@dataclass(frozen=True)
class Summary:
    budget: int
    spent: int
    by_category: list[CategoryTotal]
    progress: Progress

    @property
    def remaining(self) -> int:
        return self.budget - self.spent

    @property
    def over_budget(self) -> bool:
        return is_over_budget(spent=self.spent, budget=self.budget)

    @property
    def spent_percent(self) -> int | None:
        return None if self.budget == 0 else self.spent * 100 // self.budget

    @property
    def overrun_tolerance_percent(self) -> int:
        """For the words beside the warning and the chart: the tolerance is_over_budget uses."""
        return OVERRUN_TOLERANCE_PERCENT


def is_over_budget(*, spent: int, budget: int) -> bool:
    """Whole-number arithmetic: 108 % of the budget exactly is not yet a warning."""
    return spent * 100 > budget * (100 + OVERRUN_TOLERANCE_PERCENT)


def _percent(part: int, whole: int) -> int:
    """Rounded down, so 100 % means everything, never 99.6 %."""
    return 0 if whole == 0 else part * 100 // whole


def project_spent(project: RenovationProject) -> int:
    return project.expenses.aggregate(total=Coalesce(Sum("amount"), Value(0)))["total"]


def project_progress(project: RenovationProject) -> Progress:
    """Shares of the estimated cost in accepted tasks and in done (or accepted) tasks.

    Tasks with no estimated cost weigh nothing; when no task has a cost at all (or there are
    no tasks) the shares are those of the number of tasks instead, so progress still moves.
    """
    finished = Q(status__in=[Task.Status.DONE, Task.Status.ACCEPTED])
    accepted = Q(status=Task.Status.ACCEPTED)
    zero = Value(0)
    figures = project.tasks.aggregate(
        estimated_total=Coalesce(Sum("estimated_cost"), zero),
        accepted_cost=Coalesce(Sum("estimated_cost", filter=accepted), zero),
        done_cost=Coalesce(Sum("estimated_cost", filter=finished), zero),
        tasks=Count("id"),
        tasks_accepted=Count("id", filter=accepted),
        tasks_done=Count("id", filter=finished),
    )
    if figures["estimated_total"]:
        shares = (figures["accepted_cost"], figures["done_cost"], figures["estimated_total"])
    else:
        shares = (figures["tasks_accepted"], figures["tasks_done"], figures["tasks"])
    return Progress(
        **figures,
        accepted_percent=_percent(shares[0], shares[2]),
        done_percent=_percent(shares[1], shares[2]),
    )


def project_summary(project: RenovationProject) -> Summary:
    """Budget, spending by category and progress: two queries."""
    spent_by_category = dict(
        project.expenses.order_by()
        .values("category")
        .annotate(total=Sum("amount"))
        .values_list("category", "total")
    )
    by_category = [
        CategoryTotal(category=value, label=label, spent=spent_by_category.get(value, 0))
        for value, label in Expense.Category.choices
    ]
    return Summary(
        budget=project.budget,
        spent=sum(spent_by_category.values()),
        by_category=by_category,
        progress=project_progress(project),
    )
