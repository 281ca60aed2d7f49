from django.contrib import admin

from renovations import selectors
from renovations.models import (
    Expense,
    Invitation,
    ProjectMember,
    RenovationProject,
    Task,
    Update,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin decided who sees the project


class MemberInline(ReadOnlyInline):
    model = ProjectMember
    fields = ["user", "role", "added_at"]
    readonly_fields = fields


class InvitationInline(ReadOnlyInline):
    model = Invitation
    fields = ["username", "user", "role", "status", "invited_by", "created_at", "answered_at"]
    readonly_fields = fields


class TaskInline(ReadOnlyInline):
    model = Task
    fields = [
        "position",
        "name",
        "room",
        "planned_start",
        "planned_end",
        "estimated_cost",
        "status",
    ]
    readonly_fields = fields


class ExpenseInline(ReadOnlyInline):
    model = Expense
    fields = ["spent_on", "amount", "category", "task", "note", "added_by"]
    readonly_fields = fields


class UpdateInline(ReadOnlyInline):
    model = Update
    fields = ["created_at", "author", "note"]
    readonly_fields = fields


@admin.register(RenovationProject)
class RenovationProjectAdmin(admin.ModelAdmin):
    """Read-only: an agent sees only the projects they are a member of; changes happen on the
    site and the API, where the rules (who accepts, what is paid) are kept.

    Who is in a project (members, invitations) is for superusers only: the API shows it to the
    owner alone, and the owner is a buyer, never in the admin.
    """

    list_display = ["title", "owner", "status", "budget", "start_date", "target_date"]
    list_filter = ["status"]
    search_fields = ["title", "address", "owner__username"]
    list_select_related = ["owner"]
    fields = [
        "title",
        "owner",
        "address",
        "listing",
        "budget",
        "status",
        "start_date",
        "target_date",
        "over_budget_notified_at",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [TaskInline, ExpenseInline, UpdateInline]
    people_inlines = [MemberInline, InvitationInline]

    def get_inlines(self, request, obj):
        if request.user.is_superuser:
            return [*self.people_inlines, *self.inlines]
        return self.inlines

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=selectors.projects_open_to(request.user).values("pk"))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
