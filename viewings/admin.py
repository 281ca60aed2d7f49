from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from viewings import services
from viewings.models import DayOff, Viewing, WeeklyHours


class OwnRowsAdmin(admin.ModelAdmin):
    """Agents see their own rows (a superuser every one); the rows change through services, so
    the admin only reads, and acts through the actions that call them."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(agent=request.user)

    def _may_see(self, user) -> bool:
        return user.is_active and (user.is_superuser or user.is_agent)

    def has_module_permission(self, request):
        return self._may_see(request.user)

    def has_view_permission(self, request, obj=None):
        return self._may_see(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Viewing)
class ViewingAdmin(OwnRowsAdmin):
    list_display = ["starts_at", "listing", "buyer", "agent", "status", "channel"]
    list_filter = ["status", "channel"]
    list_select_related = ["listing", "buyer", "agent"]
    date_hierarchy = "starts_at"
    search_fields = ["listing__title", "buyer__username"]
    readonly_fields = [
        "listing",
        "buyer",
        "agent",
        "starts_at",
        "status",
        "channel",
        "contact",
        "note",
        "decline_reason",
        "created_at",
        "answered_at",
        "done_at",
    ]
    actions = ["confirm"]

    @admin.action(description=_("Confirm the selected requests"), permissions=["confirm"])
    def confirm(self, request, queryset):
        confirmed = 0
        for viewing in queryset:
            try:
                services.viewing_confirm(viewing=viewing, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                messages.warning(request, f"{viewing}: {' '.join(getattr(error, 'messages', []))}")
            else:
                confirmed += 1
        messages.success(request, _("%(count)d confirmed.") % {"count": confirmed})

    def has_confirm_permission(self, request):
        return request.user.is_agent


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(OwnRowsAdmin):
    list_display = ["agent", "weekday", "starts", "ends"]
    list_select_related = ["agent"]


@admin.register(DayOff)
class DayOffAdmin(OwnRowsAdmin):
    list_display = ["agent", "date", "note"]
    list_select_related = ["agent"]
