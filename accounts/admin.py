from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.forms import AdminPasswordChangeForm
from accounts.models import AgentProfile, User


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    can_delete = False
    filter_horizontal = ["cities_served"]
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active", "groups"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Walkup"), {"fields": ["role"]}),
    ]
    inlines = [AgentProfileInline]
    actions = ["make_agents"]
    change_password_form = AdminPasswordChangeForm

    @admin.action(description=_("Make the selected users agents"), permissions=["change"])
    def make_agents(self, request, queryset):
        for user in queryset:
            services.user_make_agent(user=user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d user is now an agent.", "%(count)d users are now agents.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.is_agent:
            services.user_make_agent(user=obj)
        elif "role" in form.changed_data:
            services.user_revoke_agent(user=obj)


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "agency_name", "licence_number", "phone", "verified"]
    list_filter = ["verified", "cities_served"]
    search_fields = ["user__username", "agency_name", "licence_number"]
    list_select_related = ["user"]
    filter_horizontal = ["cities_served"]
