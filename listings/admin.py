from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from listings import services
from listings.models import City, District, Listing


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "province", "slug"]
    search_fields = ["name", "name_zh", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DistrictInline]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "city"]
    list_filter = ["city"]
    search_fields = ["name", "name_zh"]
    list_select_related = ["city"]


def _status_action(status: str, description):
    def action(modeladmin, request, queryset):
        changed, refused = 0, []
        for listing in queryset:
            try:
                services.listing_set_status(listing=listing, status=status)
                changed += 1
            except ValidationError as error:
                refused.append(f"{listing}: {' '.join(error.messages)}")
        if changed:
            modeladmin.message_user(
                request, _("%(count)d listings changed.") % {"count": changed}, messages.SUCCESS
            )
        for message in refused:
            modeladmin.message_user(request, message, messages.WARNING)

    action.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(action)


class ListingAdminForm(forms.ModelForm):
    class Meta:
        model = Listing
        fields = ["agent", "status", *services.EDITABLE_FIELDS]

    def clean_status(self):
        new_status = self.cleaned_data["status"]
        old_status = self.instance.status if self.instance.pk else Listing.Status.DRAFT
        if not self.instance.pk and new_status not in (old_status, Listing.Status.ACTIVE):
            raise ValidationError(_("A new listing starts as a draft or is published at once."))
        error = services.status_change_error(old_status, new_status) if self.instance.pk else None
        if error:
            raise ValidationError(error)
        return new_status


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    """Agents see and change only their own listings; superusers see all."""

    form = ListingAdminForm

    list_display = [
        "title",
        "city",
        "district",
        "price",
        "area_m2",
        "price_per_m2",
        "floor",
        "total_floors",
        "has_elevator",
        "status",
        "published_at",
        "agent",
    ]
    list_filter = ["status", "city", "heating", "condition", "has_elevator"]
    search_fields = ["title", "community_name", "street_address", "description"]
    list_select_related = ["city", "district", "agent"]
    readonly_fields = ["price_per_m2", "published_at", "created_at", "updated_at"]
    date_hierarchy = "published_at"
    actions = [
        _status_action(Listing.Status.ACTIVE, _("Publish the selected listings")),
        _status_action(Listing.Status.RESERVED, _("Mark the selected listings reserved")),
        _status_action(Listing.Status.SOLD, _("Mark the selected listings sold")),
        _status_action(Listing.Status.WITHDRAWN, _("Withdraw the selected listings")),
    ]
    fieldsets = [
        (None, {"fields": ["agent", "status", "title", "description"]}),
        (_("Where"), {"fields": ["city", "district", "community_name", "street_address"]}),
        (_("Price and size"), {"fields": ["price", "area_m2", "price_per_m2", "rooms"]}),
        (
            _("Building"),
            {"fields": ["floor", "total_floors", "has_elevator", "year_built", "condition"]},
        ),
        (_("Heating"), {"fields": ["heating", "heating_fee_per_m2"]}),
        (_("Papers"), {"fields": ["has_ownership_certificate"]}),
        (_("Dates"), {"fields": ["published_at", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(agent=request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "agent"]

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        return fields if request.user.is_superuser else [f for f in fields if f != "agent"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or request.user.is_superuser or obj.agent_id == request.user.pk
        )

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (
            obj is None or request.user.is_superuser or obj.agent_id == request.user.pk
        )

    def has_add_permission(self, request):
        allowed = super().has_add_permission(request)
        return allowed and (request.user.is_superuser or request.user.is_agent)

    def delete_model(self, request, obj):
        services.listing_remove(listing=obj)

    def delete_queryset(self, request, queryset):
        # As in the API: drafts go, published listings are withdrawn so their history stays.
        for listing in queryset:
            services.listing_remove(listing=listing)

    def save_model(self, request, obj, form, change):
        # The form has validated; the services do the writing, as for the API.
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            stored = Listing.objects.get(pk=obj.pk)
            if request.user.is_superuser and "agent" in data:
                stored.agent = data["agent"]
            services.listing_update(listing=stored, data=data)
        else:
            agent = form.cleaned_data["agent"] if request.user.is_superuser else request.user
            obj.pk = services.listing_create(agent=agent, data=form.cleaned_data).pk
        obj.refresh_from_db()
