from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from photos.models import ProcessedPhoto

# Whole yuan. A renovation of a northeastern flat costs 10,000-40,000; ten million is a typo.
MAX_YUAN = 10_000_000
yuan_validators = [MaxValueValidator(MAX_YUAN)]


class Role(models.TextChoices):
    """What a person may do in a project. The owner is not a member row: they own it."""

    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


class RenovationProject(models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        IN_PROGRESS = "in_progress", _("In progress")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="renovation_projects",
        verbose_name=_("owner"),
        limit_choices_to={"role": "buyer"},
    )
    title = models.CharField(_("title"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("listing"),
        help_text=_("The flat's listing on Walkup, if you bought it here."),
    )
    budget = models.PositiveIntegerField(_("budget (yuan)"), validators=yuan_validators)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNING
    )
    # Set when the owner was told spending passed the budget by more than 8 %: told once.
    over_budget_notified_at = models.DateTimeField(
        _("told of the overrun at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("renovation project")
        verbose_name_plural = _("renovation projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__lte=MAX_YUAN), name="renovation_budget_bounded"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(target_date__isnull=True)
                | Q(target_date__gte=F("start_date")),
                name="renovation_dates_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("renovations:project", args=[self.pk])

    def clean(self):
        if self.start_date and self.target_date and self.target_date < self.start_date:
            raise ValidationError({"target_date": _("The target date cannot be before the start.")})


class ProjectMember(models.Model):
    """Someone who accepted the owner's invitation: a manager (contractor or agent) or a viewer
    (family). Every access rule reads these rows only, so an invitation gives no access."""

    class MemberRole(models.TextChoices):
        MANAGER = Role.MANAGER.value, Role.MANAGER.label
        VIEWER = Role.VIEWER.value, Role.VIEWER.label

    project = models.ForeignKey(RenovationProject, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="renovation_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="renovation_member_once"),
        ]
        indexes = [models.Index(fields=["user", "project"], name="renovation_member_user")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Invitation.Status.PENDING)


class Invitation(models.Model):
    """The owner asks someone by username to join; they become a member only by accepting.

    `username` is what the owner typed (normalised) and is all the owner ever sees of the
    invitee: `user` is the account it named when it was sent, or null when there was none, so
    the owner's pages read the same whether or not the username exists. An invitation without
    a user can never be accepted.
    """

    class Status(models.TextChoices):
        # A task is "accepted" after inspection (验收); an invitation when someone agrees (接受).
        PENDING = "pending", pgettext_lazy("invitation", "Pending")
        ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
        DECLINED = "declined", pgettext_lazy("invitation", "Declined")
        CANCELLED = "cancelled", pgettext_lazy("invitation", "Cancelled")

    project = models.ForeignKey(
        RenovationProject, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("invited by"),
    )
    username = models.CharField(_("username"), max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="renovation_invitations",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=ProjectMember.MemberRole.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    # When it was accepted, declined or cancelled.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                F("project"),
                Lower("username"),
                condition=Q(status="pending"),
                name="renovation_invitation_pending_once",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", answered_at__isnull=True)
                | (~Q(status="pending") & Q(answered_at__isnull=False)),
                name="renovation_invitation_answered_when_closed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "created_at", "id"],
                condition=Q(status="pending"),
                name="renovation_invitation_inbox",
            ),
        ]

    def __str__(self):
        return f"{self.username} · {self.get_role_display()} · {self.get_status_display()}"


class Task(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        ACCEPTED = "accepted", _("Accepted")

    project = models.ForeignKey(RenovationProject, on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(_("name"), max_length=120)
    room = models.CharField(_("room"), max_length=60, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    estimated_cost = models.PositiveIntegerField(
        _("estimated cost (yuan)"), default=0, validators=yuan_validators
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default="todo")
    done_at = models.DateTimeField(_("marked done at"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__lte=MAX_YUAN), name="renovation_task_cost_bounded"
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="renovation_task_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["project", "position", "id"], name="renovation_task_order")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": _("The planned end cannot be before the start.")})


class Expense(models.Model):
    class Category(models.TextChoices):
        LABOUR = "labour", _("Labour")
        MATERIALS = "materials", _("Materials")
        FITTINGS = "fittings", _("Fittings")
        FEES = "fees", _("Fees")
        OTHER = "other", _("Other")

    project = models.ForeignKey(
        RenovationProject, on_delete=models.CASCADE, related_name="expenses"
    )
    amount = models.PositiveIntegerField(_("amount (yuan)"), validators=yuan_validators)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    spent_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    task = models.ForeignKey(
        Task,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expenses",
        verbose_name=_("task"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_YUAN), name="renovation_expense_bounded"
            ),
        ]
        indexes = [models.Index(fields=["project", "category"], name="renovation_expense_cat")]

    def __str__(self):
        return f"¥{self.amount:,} · {self.get_category_display()}"


class Update(models.Model):
    """A dated note from the site, usually with photos."""

    project = models.ForeignKey(RenovationProject, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    note = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="renovation_update_list")
        ]

    def __str__(self):
        return self.note[:60]


class RenovationPhoto(ProcessedPhoto):
    """A photo of an update or an expense's receipt, through the same pipeline as listings'.

    `received_at` is when the server got it; `captured_at` is when the phone says it was taken
    (read from EXIF before the metadata is stripped), so the owner can tell old photos apart.
    Always private: a flat's insides and receipts are for the owner and the members only.
    """

    files_prefix = "renovations"
    files_object = "project"

    project = models.ForeignKey(RenovationProject, on_delete=models.CASCADE, related_name="photos")
    update = models.ForeignKey(
        Update, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    expense = models.OneToOneField(
        Expense, on_delete=models.CASCADE, null=True, blank=True, related_name="receipt"
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("renovation photo")
        verbose_name_plural = _("renovation photos")
        constraints = [
            models.CheckConstraint(
                condition=Q(update__isnull=True, expense__isnull=False)
                | Q(update__isnull=False, expense__isnull=True),
                name="renovation_photo_of_update_or_receipt",
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="renovation_photo_status")]

    def __str__(self):
        return _("Photo %(number)s") % {"number": self.pk}

    @cached_property
    def sizes(self) -> dict[str, dict | None]:
        """Each variant's URLs by name, computed once per photo however often a page reads them."""
        return {name: self.variant(name) for name in self.variants}

    @property
    def days_old_when_received(self) -> int:
        """Whole days between taking and sending: an old photo passed off as today's shows."""
        if self.captured_at is None or self.received_at is None:
            return 0
        return max(0, (self.received_at - self.captured_at).days)
