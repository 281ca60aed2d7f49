"""Writes: every change to a renovation goes through here, checked and in one transaction."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import User
from listings.models import Listing
from marketplace.limits import check_recent_count
from notifications.models import Kind
from notifications.services import notify
from photos import pipeline as photo_pipeline
from photos.services import photo_uploads_check, photo_uploads_record, photos_storing
from photos.validation import check_image_upload
from renovations import selectors
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

PROJECT_FIELDS = ("title", "address", "listing", "budget", "start_date", "target_date", "status")
TASK_FIELDS = ("name", "room", "planned_start", "planned_end", "estimated_cost", "position")
EXPENSE_FIELDS = ("amount", "category", "spent_on", "note", "task")
PHOTOS_PER_UPDATE = 10
TASKS_PER_PROJECT = 200


@dataclass(frozen=True)
class TemplateTask:
    name: str
    room: str
    estimated_cost: int
    days: int


# A small flat (about 50 m²) in the northeast, in the order the trades come: ¥24,500 in all.
SMALL_FLAT_TEMPLATE = [
    TemplateTask(
        gettext_noop("Demolition and rubbish removal"), gettext_noop("Whole flat"), 1500, 3
    ),
    TemplateTask(gettext_noop("Plumbing and electrics"), gettext_noop("Whole flat"), 4500, 7),
    TemplateTask(gettext_noop("Windows and wall insulation"), gettext_noop("Whole flat"), 4000, 4),
    TemplateTask(
        gettext_noop("Tiling and wet work"), gettext_noop("Kitchen and bathroom"), 4500, 10
    ),
    TemplateTask(
        gettext_noop("Carpentry: doors and skirting"), gettext_noop("Whole flat"), 3000, 6
    ),
    TemplateTask(gettext_noop("Painting walls and ceilings"), gettext_noop("Whole flat"), 2500, 5),
    TemplateTask(
        gettext_noop("Fitting the kitchen and bathroom"),
        gettext_noop("Kitchen and bathroom"),
        4000,
        4,
    ),
    TemplateTask(gettext_noop("Final cleaning"), gettext_noop("Whole flat"), 500, 1),
]

Status = Task.Status


def _require(project: RenovationProject, by: User, role_needed: str) -> str:
    """The services check roles too, whoever calls them (web, API, admin, demo)."""
    role = selectors.role_of(project, by)
    if role is None or selectors.RANK[role] < selectors.RANK[role_needed]:
        raise PermissionDenied(selectors._not_allowed_message(role_needed))
    return role


def _group(project: RenovationProject) -> str:
    return f"renovation:{project.pk}"


def _tell(recipient: User, project: RenovationProject, kind: str, subject, message, **values):
    """Notify in the recipient's language, whatever language the writer uses."""
    with translation.override(recipient.language):
        text = _(message) % {"project": project.title, **values}
    notify(
        recipient=recipient,
        kind=kind,
        subject=subject,
        text=text,
        link=project.get_absolute_url(),
        group_key=_group(project),
    )


# --- projects -------------------------------------------------------------------------


def _check_listing(owner: User, listing: Listing | None) -> None:
    if listing is not None and not Listing.objects.visible_to(owner).filter(pk=listing.pk).exists():
        raise ValidationError({"listing": _("Choose a listing you can see on Walkup.")})


def _template_tasks(project: RenovationProject) -> list[Task]:
    tasks, start = [], project.start_date
    for position, step in enumerate(SMALL_FLAT_TEMPLATE):
        end = start + timedelta(days=step.days - 1) if start else None
        tasks.append(
            Task(
                project=project,
                name=_(step.name),
                room=_(step.room),
                estimated_cost=step.estimated_cost,
                position=position,
                planned_start=start,
                planned_end=end,
            )
        )
        start = end + timedelta(days=1) if end else None
    return tasks


@transaction.atomic
def project_create(
    *, owner: User, data: dict[str, Any], from_template: bool = False
) -> RenovationProject:
    """A buyer starts a project, empty or with the small-flat template's tasks (editable)."""
    if owner.is_agent or not owner.is_active:
        raise ValidationError(_("Only buyers can start a renovation project."))
    project = RenovationProject(owner=owner, **{k: data[k] for k in PROJECT_FIELDS if k in data})
    _check_listing(owner, project.listing)
    project.full_clean()
    project.save()
    if from_template:
        tasks = _template_tasks(project)
        for task in tasks:
            task.full_clean()
        Task.objects.bulk_create(tasks)
    return project


@transaction.atomic
def project_update(*, project: RenovationProject, by: User, data: dict[str, Any]):
    _require(project, by, Role.OWNER)
    project = RenovationProject.objects.select_for_update().get(pk=project.pk)
    old_budget = project.budget
    for name in PROJECT_FIELDS:
        if name in data:
            setattr(project, name, data[name])
    if "listing" in data:
        _check_listing(project.owner, project.listing)
    project.full_clean()
    if project.budget != old_budget:
        # A new budget is a new plan: the owner is told again if spending passes this one.
        project.over_budget_notified_at = None
    project.save()
    _check_overrun(project)
    return project


# --- members and invitations ----------------------------------------------------------


def _normalised_username(username: str) -> str:
    return User.normalize_username((username or "").strip())


def _check_invitation_quota(by: User) -> None:
    check_recent_count(
        Invitation.objects.filter(invited_by=by),
        time_field="created_at",
        limit=settings.RENOVATION_INVITATIONS_PER_DAY,
        window=timedelta(days=1),
        message=_("You have sent %(count)d invitations in the last day.")
        % {"count": settings.RENOVATION_INVITATIONS_PER_DAY},
    )


def invitation_create(
    *, project: RenovationProject, by: User, username: str, role: str
) -> tuple[Invitation, bool]:
    """Ask someone by username to join; they see nothing of the project until they accept.

    The owner's answer is the same whether or not the username exists, so the form cannot be
    used to find out who has an account: an unknown username makes an invitation that nobody
    can accept. Inviting the same username again while one is pending sets its role and tells
    no one twice. Returns the invitation and whether it is new.
    """
    _require(project, by, Role.OWNER)
    invitation = Invitation(
        project=project, invited_by=by, username=_normalised_username(username), role=role
    )
    invitation.full_clean(exclude=["project", "invited_by", "user", "status"])
    with transaction.atomic():
        # One owner's invitations one at a time: the caps below are counts, not locks.
        User.objects.select_for_update().filter(pk=by.pk).first()
        pending = project.invitations.pending().filter(username__iexact=invitation.username)
        existing = pending.first()
        if existing is not None:
            existing.role = invitation.role
            existing.save(update_fields=["role"])
            return existing, False
        invitation.user = (
            User.objects.filter(username__iexact=invitation.username, is_active=True)
            .order_by("id")
            .first()
        )
        _check_invitation_allowed(project, invitation)
        invitation.save()
        if invitation.user is not None:
            _tell_invitee(invitation)
    return invitation, True


def _check_invitation_allowed(project: RenovationProject, invitation: Invitation) -> None:
    """The owner knows who is in their project, so these refusals reveal nothing new."""
    if invitation.username.casefold() == project.owner.username.casefold():
        raise ValidationError({"username": _("You own this project already.")})
    if project.members.filter(user__username__iexact=invitation.username).exists():
        raise ValidationError({"username": _("This person is already a member.")})
    limit = settings.RENOVATION_PENDING_INVITATIONS_PER_PROJECT
    if project.invitations.pending().count() >= limit:
        raise ValidationError(
            _(
                "A project has at most %(count)d invitations waiting for an answer. "
                "Cancel one you no longer need first."
            )
            % {"count": limit}
        )
    _check_invitation_quota(invitation.invited_by)


def _tell_invitee(invitation: Invitation) -> None:
    invitee, project = invitation.user, invitation.project
    with translation.override(invitee.language):
        text = _(
            "%(who)s invites you to the renovation “%(project)s” as a %(role)s. "
            "Accept or decline on your renovations page."
        ) % {
            "who": invitation.invited_by.display_name,
            "project": project.title,
            "role": invitation.get_role_display().lower(),
        }
    notify(
        recipient=invitee,
        kind=Kind.RENOVATION_INVITATION,
        subject=invitation,
        text=text,
        link=f"{reverse('renovations:list')}#invitations",
        group_key=_group(project),
    )


def _locked_invitation(invitation: Invitation, by: User) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("project__owner")
        .get(pk=invitation.pk)
    )
    if invitation.user_id is None or invitation.user_id != by.pk:
        raise PermissionDenied(_("This invitation is not for you."))
    return invitation


def _closed_message(invitation: Invitation) -> str:
    if invitation.status == Invitation.Status.CANCELLED:
        return _("The owner cancelled this invitation.")
    if invitation.status == Invitation.Status.DECLINED:
        return _("You declined this invitation.")
    return _("You accepted this invitation already.")


@transaction.atomic
def invitation_accept(*, invitation: Invitation, by: User) -> ProjectMember:
    """Only the invited person accepts, once: accepting twice gives the same membership."""
    invitation = _locked_invitation(invitation, by)
    project = invitation.project
    if invitation.status == Invitation.Status.ACCEPTED:
        member = project.members.filter(user=by).first()
        if member is not None:
            return member
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_closed_message(invitation))
    member, _created = ProjectMember.objects.get_or_create(
        project=project, user=by, defaults={"role": invitation.role}
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    return member


@transaction.atomic
def invitation_decline(*, invitation: Invitation, by: User) -> Invitation:
    invitation = _locked_invitation(invitation, by)
    if invitation.status == Invitation.Status.DECLINED:
        return invitation
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_closed_message(invitation))
    invitation.status = Invitation.Status.DECLINED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, by: User) -> Invitation:
    """The owner takes back an invitation not yet answered: it can no longer be accepted."""
    _require(invitation.project, by, Role.OWNER)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status == Invitation.Status.CANCELLED:
        return invitation
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation has been answered already."))
    invitation.status = Invitation.Status.CANCELLED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    return invitation


@transaction.atomic
def member_set_role(*, member: ProjectMember, by: User, role: str) -> ProjectMember:
    _require(member.project, by, Role.OWNER)
    member.role = role
    member.full_clean(exclude=["project", "user"])
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def member_remove(*, member: ProjectMember, by: User) -> None:
    """Access goes with the row: every read checks membership afresh."""
    _require(member.project, by, Role.OWNER)
    member.delete()


# --- tasks ----------------------------------------------------------------------------


def _apply_task_fields(task: Task, data: dict[str, Any]) -> None:
    for name in TASK_FIELDS:
        if name in data:
            setattr(task, name, data[name])


@transaction.atomic
def task_create(*, project: RenovationProject, by: User, data: dict[str, Any]) -> Task:
    _require(project, by, Role.MANAGER)
    if project.tasks.count() >= TASKS_PER_PROJECT:
        raise ValidationError(
            _("A project has at most %(count)d tasks.") % {"count": TASKS_PER_PROJECT}
        )
    task = Task(project=project)
    _apply_task_fields(task, data)
    if "position" not in data:
        last = project.tasks.order_by("-position").values_list("position", flat=True).first()
        task.position = 0 if last is None else last + 1
    task.full_clean()
    task.save()
    return task


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("project__owner").get(pk=task.pk)


@transaction.atomic
def task_update(*, task: Task, by: User, data: dict[str, Any]) -> Task:
    task = _locked(task)
    role = _require(task.project, by, Role.MANAGER)
    if not task_editable(task, role):
        raise ValidationError(_("This task is accepted: only the owner can change it now."))
    _apply_task_fields(task, data)
    task.full_clean()
    task.save()
    if "status" in data and data["status"] != task.status:
        return _set_status(task, by=by, role=role, status=data["status"])
    return task


@transaction.atomic
def task_set_status(*, task: Task, by: User, status: str) -> Task:
    """Managers move tasks up to done; only the owner accepts, or takes back an acceptance."""
    task = _locked(task)
    role = _require(task.project, by, Role.MANAGER)
    return _set_status(task, by=by, role=role, status=status)


def task_accept(*, task: Task, by: User) -> Task:
    return task_set_status(task=task, by=by, status=Status.ACCEPTED)


def task_editable(task: Task, role: str) -> bool:
    """Managers change a task until the owner accepts it; then only the owner does."""
    return selectors.RANK[role] >= selectors.RANK[Role.MANAGER] and (
        task.status != Status.ACCEPTED or role == Role.OWNER
    )


@dataclass(frozen=True)
class TaskMove:
    """A status button on a task's card."""

    status: str
    label: str
    primary: bool = False


# The status changes a task's card offers, from the statuses it offers each in, in this order;
# `task_moves` keeps those _status_error allows the viewer's role.
TASK_MOVES = (
    ({Status.TODO}, Status.IN_PROGRESS, gettext_lazy("Start"), False),
    ({Status.TODO, Status.IN_PROGRESS}, Status.DONE, gettext_lazy("Mark done"), False),
    ({Status.DONE}, Status.ACCEPTED, gettext_lazy("Accept"), True),
    ({Status.DONE}, Status.IN_PROGRESS, gettext_lazy("Not finished yet"), False),
    ({Status.ACCEPTED}, Status.DONE, gettext_lazy("Take back the acceptance"), False),
)


def task_moves(task: Task, role: str) -> list[TaskMove]:
    """The status buttons a task's card shows to someone of this role: only allowed moves."""
    if selectors.RANK[role] < selectors.RANK[Role.MANAGER]:
        return []
    return [
        TaskMove(status, label, primary)
        for starts, status, label, primary in TASK_MOVES
        if task.status in starts and _status_error(task, role, status) is None
    ]


def _status_error(task: Task, role: str, status: str) -> str | None:
    if status not in Status.values:
        return _("Choose a valid status.")
    if status == Status.ACCEPTED and role != Role.OWNER:
        return _("Only the owner accepts a task: pay only for what you approved.")
    if status == Status.ACCEPTED and task.status != Status.DONE:
        return _("A task is accepted once it is marked done.")
    if task.status == Status.ACCEPTED and role != Role.OWNER:
        return _("This task is accepted: only the owner can change it now.")
    return None


def _set_status(task: Task, *, by: User, role: str, status: str) -> Task:
    if status == task.status:
        return task
    error = _status_error(task, role, status)
    if error:
        raise ValidationError({"status": error})
    now = timezone.now()
    task.status = status
    task.done_at = now if status == Status.DONE else task.done_at
    task.accepted_at = now if status == Status.ACCEPTED else None
    if status in (Status.TODO, Status.IN_PROGRESS):
        task.done_at = None
    task.save(update_fields=["status", "done_at", "accepted_at"])
    project = task.project
    if status == Status.DONE and by.pk != project.owner_id:
        _tell(
            project.owner,
            project,
            Kind.RENOVATION_TASK_DONE,
            task,
            gettext_noop("%(project)s: %(who)s marked “%(task)s” done. Check it and accept it."),
            who=by.display_name,
            task=task.name,
        )
    if status == Status.ACCEPTED:
        for member in project.members.select_related("user"):
            _tell(
                member.user,
                project,
                Kind.RENOVATION_TASK_ACCEPTED,
                task,
                gettext_noop("%(project)s: the owner accepted “%(task)s”."),
                task=task.name,
            )
    return task


@transaction.atomic
def task_delete(*, task: Task, by: User) -> None:
    task = _locked(task)
    role = _require(task.project, by, Role.MANAGER)
    if not task_editable(task, role):
        raise ValidationError(_("This task is accepted: only the owner can change it now."))
    task.delete()


# --- expenses -------------------------------------------------------------------------


def _check_expense(project: RenovationProject, expense: Expense) -> None:
    errors = {}
    if expense.task_id is not None and expense.task.project_id != project.pk:
        errors["task"] = _("This task belongs to another project.")
    today = timezone.localdate()
    if expense.spent_on and expense.spent_on > today:
        errors["spent_on"] = _("An expense cannot be dated in the future.")
    elif expense.spent_on and expense.spent_on < date(2000, 1, 1):
        errors["spent_on"] = _("Enter a date from 2000 on.")
    if errors:
        raise ValidationError(errors)


def expense_add(
    *, project: RenovationProject, by: User, data: dict[str, Any], receipt=None
) -> Expense:
    """Record money spent, with an optional receipt photo through the photo checks."""
    _require(project, by, Role.MANAGER)
    photo_uploads_check(user=by, count=1 if receipt else 0, field="receipt")
    checked = _check_photo(receipt, field="receipt") if receipt else None
    expense = Expense(project=project, added_by=by)
    for name in EXPENSE_FIELDS:
        if name in data:
            setattr(expense, name, data[name])
    with photos_storing() as store:
        expense.full_clean(exclude=["project", "added_by"])
        _check_expense(project, expense)
        photo_uploads_record(user=by, count=1 if checked else 0, field="receipt")
        expense.save()
        if checked:
            store(RenovationPhoto(project=project, expense=expense), checked)
        _check_overrun(project)
    return expense


@transaction.atomic
def expense_delete(*, expense: Expense, by: User) -> None:
    project = expense.project
    _require(project, by, Role.MANAGER)
    receipt = RenovationPhoto.objects.filter(expense=expense).first()
    if receipt:
        photo_pipeline.photo_files_delete_after_commit(receipt)
    expense.delete()
    _check_overrun(project)


def _check_overrun(project: RenovationProject) -> None:
    """Tell the owner once when spending passes the budget by more than the tolerance.

    Once told, the owner is not told again for this budget, even when an expense is deleted
    and spending dips under and rises again; changing the budget starts afresh.
    """
    project = RenovationProject.objects.select_for_update().get(pk=project.pk)
    if project.over_budget_notified_at is not None:
        return
    spent = selectors.project_spent(project)
    if not selectors.is_over_budget(spent=spent, budget=project.budget):
        return
    project.over_budget_notified_at = timezone.now()
    project.save(update_fields=["over_budget_notified_at"])
    _tell(
        project.owner,
        project,
        Kind.RENOVATION_OVER_BUDGET,
        project,
        gettext_noop(
            "%(project)s: spending is %(spent)s, more than %(tolerance)s %% over the budget of "
            "%(budget)s."
        ),
        spent=f"¥{spent:,}",
        tolerance=selectors.OVERRUN_TOLERANCE_PERCENT,
        budget=f"¥{project.budget:,}",
    )


# --- updates and photos ---------------------------------------------------------------


def update_post(*, project: RenovationProject, by: User, note: str, photos=()) -> Update:
    """A dated note from the site; each photo is checked before anything is stored."""
    _require(project, by, Role.MANAGER)
    note = (note or "").strip()
    if not note and not photos:
        raise ValidationError({"note": _("Write what was done, or add a photo.")})
    if len(photos) > PHOTOS_PER_UPDATE:
        raise ValidationError(
            {"photos": _("At most %(count)d photos per update.") % {"count": PHOTOS_PER_UPDATE}}
        )
    photo_uploads_check(user=by, count=len(photos), field="photos")
    checked = [_check_photo(upload, field="photos") for upload in photos]
    with photos_storing() as store:
        update = Update(project=project, author=by, note=note)
        update.full_clean(exclude=["project", "author"])
        photo_uploads_record(user=by, count=len(checked), field="photos")
        update.save()
        for photo in checked:
            store(RenovationPhoto(project=project, update=update), photo)
        if by.pk != project.owner_id:
            _tell(
                project.owner,
                project,
                Kind.RENOVATION_UPDATE,
                update,
                gettext_noop("%(project)s: %(who)s posted an update: %(note)s"),
                who=by.display_name,
                note=note[:100],
            )
    return update


def _check_photo(upload, *, field: str):
    try:
        return check_image_upload(upload)
    except ValidationError as error:
        name = getattr(upload, "name", "")
        messages = [f"{name}: {m}" if name else m for m in error.messages]
        raise ValidationError({field: messages}) from None
