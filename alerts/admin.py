from django.contrib import admin

from alerts.models import SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """For staff support only (superusers): agents have no access to buyers' searches."""

    list_display = ["name", "user", "frequency", "created_at", "matched_until"]
    list_filter = ["frequency"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "params", "created_at", "matched_until"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
