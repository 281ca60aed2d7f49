from django.contrib import admin
from django.db.models import Q

from purchases.models import Purchase, Step


class StepInline(admin.TabularInline):
    model = Step
    fields = ["position", "kind", "status", "done_on", "note", "updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin decided who sees the purchase


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    """Read-only: an agent sees the purchases of their own listings; the steps change on the
    purchase page and the API, where the order rules and the two parties' sides are kept."""

    list_display = ["listing", "buyer", "agent", "status", "created_at", "accepted_at"]
    list_filter = ["status"]
    search_fields = ["listing__title", "buyer__username"]
    list_select_related = ["listing", "buyer", "agent"]
    fields = [
        "listing",
        "buyer",
        "agent",
        "opened_by",
        "status",
        "created_at",
        "accepted_at",
        "closed_at",
        "renovation",
    ]
    readonly_fields = fields
    inlines = [StepInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(agent=request.user) & Q(agent__role="agent"))

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
