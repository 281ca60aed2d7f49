from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from listings import hooks, services
from listings.models import (
    City,
    District,
    Listing,
    ListingPhoto,
    manages_listings,
    may_reassign_listings,
)
from photos.services import photo_uploads_check
from photos.validation import check_image_upload, upload_limits_text

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos at once; each passes the same checks as an API upload, and together they
    must fit in the uploader's budget (checked first: a refused batch costs no decoding)."""

    uploader = None  # set by the form, from the request

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if files and self.uploader is not None:
            photo_uploads_check(user=self.uploader, count=len(files))
        errors = []
        for upload in files:
            try:
                super().clean(upload, initial)
                check_image_upload(upload)
            except ValidationError as error:
                errors.extend(f"{upload.name}: {message}" for message in error.messages)
        if errors:
            raise ValidationError(errors)
        return files


def photo_preview(photo: ListingPhoto):
    thumb = photo.variant("thumb")
    if thumb is None:
        return photo.get_status_display()
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" style="max-width:160px;height:auto">',
        thumb["url"],
        thumb["width"],
        thumb["height"],
        photo.caption,
    )


class PhotoInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        covers = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_cover") and not form.cleaned_data.get("DELETE")
        ]
        if len(covers) > 1:
            raise ValidationError(_("Choose one cover photo at most."))


class ListingPhotoInline(admin.TabularInline):
    model = ListingPhoto
    formset = PhotoInlineFormSet
    fields = ["preview", "caption", "position", "is_cover", "status", "failure_reason"]
    readonly_fields = ["preview", "status", "failure_reason"]
    extra = 0
    ordering = ["position", "id"]
    verbose_name_plural = _("Photos (type numbers in Position to change the order)")

    def has_add_permission(self, request, obj=None):
        return False  # photos are added with the "Add photos" field, through the checks

    @admin.display(description=_("Preview"))
    def preview(self, photo):
        return photo_preview(photo)


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
                services.listing_set_status(listing=listing, by=request.user, status=status)
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
    add_photos = MultipleImageField(
        label=_("Add photos"),
        required=False,
        help_text=lazy(upload_limits_text, str)(),
    )

    class Meta:
        model = Listing
        fields = ["agent", "status", *services.EDITABLE_FIELDS]

    uploader = None  # set by ListingAdmin.get_form, from the request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_photos"].uploader = self.uploader

    def clean_status(self):
        new_status = self.cleaned_data["status"]
        if self.instance.pk:
            error = services.status_change_error(self.instance.status, new_status)
        else:
            error = services.first_status_error(new_status)
        if error:
            raise ValidationError(error)
        return new_status


class ListingChangeList(ChangeList):
    """The list's rows carry the figures other apps register (views, saves, conversations),
    annotated in the list's own query (listings.hooks.register_listing_count)."""

    def get_queryset(self, request, exclude_parameters=None):
        return hooks.with_listing_counts(super().get_queryset(request, exclude_parameters))


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    """Each person sees and changes the listings they manage (Listing.objects.managed_by):
    an agent their own, a superuser all."""

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
        "expires_on",
        "figures",
        "agent",
    ]
    list_filter = ["status", "city", "heating", "condition", "has_elevator"]
    search_fields = ["title", "community_name", "street_address", "description"]
    list_select_related = ["city", "district", "agent"]
    readonly_fields = [
        "price_per_m2",
        "published_at",
        "confirmed_at",
        "expires_on",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "published_at"
    actions = [
        _status_action(Listing.Status.ACTIVE, _("Publish the selected listings")),
        _status_action(Listing.Status.RESERVED, _("Mark the selected listings reserved")),
        _status_action(Listing.Status.SOLD, _("Mark the selected listings sold")),
        _status_action(Listing.Status.WITHDRAWN, _("Withdraw the selected listings")),
        "reconfirm",
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
        (_("Property fee"), {"fields": ["property_fee_per_m2_month"]}),
        (
            _("Papers and the seller's taxes"),
            {
                "fields": [
                    "has_ownership_certificate",
                    "seller_taxes_paid_by",
                    "seller_owned_since",
                    "seller_only_home",
                ]
            },
        ),
        (
            _("Dates"),
            {"fields": ["published_at", "confirmed_at", "expires_on", "created_at", "updated_at"]},
        ),
        (_("Photos"), {"fields": ["add_photos"]}),
    ]
    inlines = [ListingPhotoInline]

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def get_changelist(self, request, **kwargs):
        return ListingChangeList

    @admin.display(description=_("Figures"))
    def figures(self, listing):
        return format_html_join(
            "",
            "<span>{}: {}</span><br>",
            ((count.label, getattr(listing, count.name, "—")) for count in hooks.listing_counts()),
        )

    # --- freshness ---
    @admin.display(description=_("Expires on"), ordering="confirmed_at")
    def expires_on(self, listing):
        expires_at = listing.expires_at
        return date_format(timezone.localtime(expires_at), "DATE_FORMAT") if expires_at else "—"

    @admin.action(description=_("Reconfirm: still for sale"), permissions=["change"])
    def reconfirm(self, request, queryset):
        reconfirmed, refused = 0, []
        for listing in queryset:
            try:
                services.listing_reconfirm(listing=listing, by=request.user)
                reconfirmed += 1
            except ValidationError as error:
                refused.append(f"{listing}: {' '.join(error.messages)}")
        if reconfirmed:
            self.message_user(
                request,
                _("%(count)d listings reconfirmed for another %(days)d days.")
                % {"count": reconfirmed, "days": settings.LISTING_EXPIRY_DAYS},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if may_reassign_listings(request.user) else [*fields, "agent"]

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        return (
            fields if may_reassign_listings(request.user) else [f for f in fields if f != "agent"]
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_managed_by(request.user))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.is_managed_by(request.user))

    def has_add_permission(self, request):
        allowed = super().has_add_permission(request)
        return allowed and manages_listings(request.user)

    def delete_model(self, request, obj):
        services.listing_remove(listing=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        # As in the API: drafts go, published listings are withdrawn so their history stays.
        for listing in queryset:
            services.listing_remove(listing=listing, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ListingPhoto:
            return super().save_formset(request, form, formset, change)
        for photo in formset.save(commit=False):
            services.photo_update(
                photo=photo,
                by=request.user,
                data={
                    "caption": photo.caption,
                    "position": photo.position,
                    "is_cover": photo.is_cover,
                },
            )
        for photo in formset.deleted_objects:
            services.photo_delete(photo=photo, by=request.user)
        return None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.uploader = request.user  # a class made for this request
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        uploads = form.cleaned_data.get("add_photos") or []
        if uploads:
            try:
                added = services.photos_add(
                    listing=form.instance, uploads=uploads, by=request.user, skip_duplicates=True
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                for duplicate in added.duplicates:
                    self.message_user(request, duplicate, messages.WARNING)

    def save_model(self, request, obj, form, change):
        # The form has validated; the services do the writing, as for the API.
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            stored = Listing.objects.get(pk=obj.pk)
            if "agent" in data:  # only in a superuser's form (get_readonly_fields)
                stored = services.listing_set_agent(
                    listing=stored, by=request.user, agent=data.pop("agent")
                )
            services.listing_update(listing=stored, by=request.user, data=data)
        else:
            obj.pk = services.listing_create(
                by=request.user, agent=form.cleaned_data.get("agent"), data=form.cleaned_data
            ).pk
        obj.refresh_from_db()


@admin.register(ListingPhoto)
class ListingPhotoAdmin(admin.ModelAdmin):
    """Every photo and its processing state; failed ones can be processed again."""

    list_display = [
        "preview",
        "listing",
        "caption",
        "status",
        "failure_reason",
        "attempts",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["listing__title", "caption"]
    list_select_related = ["listing"]
    readonly_fields = [
        "preview",
        "listing",
        "status",
        "failure_reason",
        "attempts",
        "width",
        "height",
        "captured_at",
        "created_at",
        "processed_at",
    ]
    fields = ["preview", "listing", "caption", "position", "is_cover", *readonly_fields[2:]]
    actions = ["process_again"]

    def get_queryset(self, request):
        managed = Listing.objects.managed_by(request.user)
        return super().get_queryset(request).filter(listing__in=managed)

    def has_add_permission(self, request):
        return False  # added on the listing, through the upload checks

    def delete_model(self, request, obj):
        services.photo_delete(photo=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            services.photo_delete(photo=photo, by=request.user)

    def save_model(self, request, obj, form, change):
        services.photo_update(photo=obj, by=request.user, data=form.cleaned_data)

    @admin.display(description=_("Preview"))
    def preview(self, photo):
        return photo_preview(photo)

    @admin.action(description=_("Process the selected photos again"), permissions=["change"])
    def process_again(self, request, queryset):
        photos = list(queryset.exclude(status=ListingPhoto.Status.READY))
        for photo in photos:
            services.photo_retry(photo=photo, by=request.user)
        self.message_user(
            request, _("%(count)d photos queued again.") % {"count": len(photos)}, messages.SUCCESS
        )
