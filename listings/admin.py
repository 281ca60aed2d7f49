from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm

from listings import hooks, selectors, services, spreadsheet, workbench
from listings.models import (
    City,
    District,
    Listing,
    ListingPhoto,
    ListingPhotoLookalike,
    ListingProof,
    ListingToVerify,
    manages_listings,
    may_reassign_listings,
    may_verify_listings,
)
from listings.templatetags.walkup import yuan
from photos.services import photo_uploads_check
from photos.validation import check_image_upload, upload_limits_text

# Any picture, straight from the camera on a phone (`capture`); the server checks the type.
PHOTO_ACCEPT = "image/*"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos at once; each passes the same checks as an API upload, and together they
    must fit in the uploader's budget (checked first: a refused batch costs no decoding)."""

    uploader = None  # set by the form, from the request

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={
                    "accept": PHOTO_ACCEPT,
                    "capture": "environment",
                    # listing-admin.js: a bar per photo, and the draft kept in the browser.
                    "data-photo-progress": "",
                    "data-draft-restored": _(
                        "Your draft is back. Photos are not kept in a draft: add them again."
                    ),
                    "data-discard-draft": _("Discard the draft"),
                    "data-upload-failed": _(
                        "The upload stopped: check the connection and save again. "
                        "Nothing you typed is lost."
                    ),
                }
            ),
        )
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


PROOF_FIELDS = {
    "add_ownership_certificate": ListingProof.Kind.OWNERSHIP_CERTIFICATE,
    "add_seller_authorisation": ListingProof.Kind.SELLER_AUTHORISATION,
}


def proofs_html(listing: Listing):
    """The listing's proof documents, each a private preview (photos.access checks who sees it)."""
    if listing.pk is None:
        return "—"
    proofs = list(listing.proofs.all())
    if not proofs:
        return _("None yet")
    return format_html_join(
        "",
        "<p>{}: {}</p>",
        ((proof.get_kind_display(), photo_preview(proof)) for proof in proofs),
    )


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

    def save_model(self, request, obj, form, change):
        services.city_save(city=obj)

    def delete_model(self, request, obj):
        services.city_delete(city=obj)

    def delete_queryset(self, request, queryset):
        for city in queryset:
            services.city_delete(city=city)


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


# Help under the fields of the add form, read on a phone in the flat (translated: zh_Hans).
FIELD_HELP = {
    "community_name": _("The residential compound buyers search for, as on the gate."),
    "street_address": _("Street and number; buyers see it, so no flat number."),
    "area_m2": _("As on the ownership certificate, in m²."),
    "rooms": _("Bedrooms and living room, not the kitchen or bathroom."),
    "floor": _("The flat's floor; the ground floor is 1."),
    "total_floors": _("Floors of the whole building."),
    "has_elevator": _("Tick only when the building has a working elevator."),
    "year_built": _("As on the certificate, or ask the neighbours."),
    "heating_fee_per_m2": _("Yearly fee per m² for central heating; empty if none."),
    "condition": _("What a buyer must do before moving in."),
    "price": _("The whole asking price in yuan; price per m² is worked out for you."),
    "title": _("Short and specific: compound, rooms, floor."),
}

# The building, the same for another flat in it: what "copy this listing" carries over.
BUILDING_FIELDS = [
    "city",
    "district",
    "community_name",
    "street_address",
    "total_floors",
    "has_elevator",
    "year_built",
    "heating",
    "heating_fee_per_m2",
]


class ListingAdminForm(forms.ModelForm):
    add_photos = MultipleImageField(
        label=_("Add photos"),
        required=False,
        help_text=lazy(upload_limits_text, str)(),
    )
    # Private proof for verification: seen by the agent and the verifiers only, never public.
    add_ownership_certificate = forms.FileField(
        label=_("Add a photo of the ownership certificate"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
        help_text=_("Private: only you and Walkup's verifiers see it."),
    )
    add_seller_authorisation = forms.FileField(
        label=_("Add a photo of the seller's authorisation"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
        help_text=_("Private: only you and Walkup's verifiers see it."),
    )

    class Meta:
        model = Listing
        fields = ["agent", "status", *services.EDITABLE_FIELDS]

    uploader = None  # set by ListingAdmin.get_form, from the request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_photos"].uploader = self.uploader
        for name, help_text in FIELD_HELP.items():
            if name in self.fields:
                self.fields[name].help_text = help_text

    def clean_status(self):
        new_status = self.cleaned_data["status"]
        if self.instance.pk:
            error = services.status_change_error(self.instance.status, new_status)
        else:
            error = services.first_status_error(new_status)
        if error:
            raise ValidationError(error)
        return new_status


class ListingImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.LISTING_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("A spreadsheet may be %(mb)s MB at most.") % {"mb": limit // 1_000_000}
            )
        return upload


class PriceChangeForm(forms.Form):
    price = forms.IntegerField(
        label=_("New price (yuan)"), min_value=1, max_value=100_000_000, localize=False
    )


@admin.register(Listing)
class ListingAdmin(ImportExportMixin, admin.ModelAdmin):
    """Each person sees and changes the listings they manage (Listing.objects.managed_by):
    an agent their own, a superuser all. The list is the agent's workbench: what needs them
    first, readable on a desk and on a phone."""

    form = ListingAdminForm

    list_display = [
        "cover",
        "title_cell",
        "price_cell",
        "floor_cell",
        "status_badge",
        "expiry",
        "agent",
    ]
    list_display_links = ["title_cell"]
    list_per_page = 50
    list_filter = ["status", "city", "heating", "condition", "has_elevator"]
    search_fields = ["title", "community_name", "street_address", "description"]
    readonly_fields = [
        "price_per_m2",
        "published_at",
        "confirmed_at",
        "expires_on",
        "created_at",
        "updated_at",
        "verification",
        "proof_documents",
    ]
    actions = [
        _status_action(Listing.Status.ACTIVE, _("Publish the selected listings")),
        "reconfirm",
        _status_action(Listing.Status.RESERVED, _("Mark the selected listings reserved")),
        _status_action(Listing.Status.SOLD, _("Mark the selected listings sold")),
        _status_action(Listing.Status.WITHDRAWN, _("Withdraw the selected listings")),
        "copy_listing",
    ]
    # In the order an agent walks the flat: where, size and floor, heating, condition, price,
    # photos; then the words, written last, on the sofa.
    walk_fieldsets = [
        (_("Where"), {"fields": ["city", "district", "community_name", "street_address"]}),
        (
            _("Size and floor"),
            {"fields": ["area_m2", "rooms", "floor", "total_floors", "has_elevator", "year_built"]},
        ),
        (_("Heating"), {"fields": ["heating", "heating_fee_per_m2", "property_fee_per_m2_month"]}),
        (_("Condition"), {"fields": ["condition"]}),
        (_("Price"), {"fields": ["price"]}),
        (_("Photos"), {"fields": ["add_photos"]}),
        (
            _("Papers and the seller's taxes"),
            {
                "fields": [
                    "has_ownership_certificate",
                    "verification",
                    "seller_taxes_paid_by",
                    "seller_owned_since",
                    "seller_only_home",
                ]
            },
        ),
        (
            _("Proof for verification"),
            {
                "fields": [
                    "proof_documents",
                    "add_ownership_certificate",
                    "add_seller_authorisation",
                ]
            },
        ),
        (_("Title and description"), {"fields": ["title", "description", "status"]}),
    ]
    inlines = [ListingPhotoInline]
    resource_classes = [spreadsheet.ListingResource]
    import_form_class = ListingImportForm
    formats = [XLSX, CSV]

    class Media:
        css = {"all": ["css/listing-admin.css"]}
        js = ["js/listing-admin.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def get_changelist(self, request, **kwargs):
        class WorkbenchChangeList(super().get_changelist(request, **kwargs)):
            def get_queryset(self, request, exclude_parameters=None):
                # The list's one query carries the cover, the counts and the attention rank.
                self.root_queryset = workbench.listings_for_workbench(user=request.user)
                return super().get_queryset(request, exclude_parameters)

            def _get_default_ordering(self):
                return workbench.workbench_ordering()

        return WorkbenchChangeList

    def get_fieldsets(self, request, obj=None):
        head = [(None, {"fields": ["agent"]})] if may_reassign_listings(request.user) else []
        if obj is None:
            return [*head, *self.walk_fieldsets]
        dates = (
            _("Dates"),
            {
                "fields": [
                    "price_per_m2",
                    "published_at",
                    "confirmed_at",
                    "expires_on",
                    "created_at",
                    "updated_at",
                ]
            },
        )
        return [(None, {"fields": ["agent"]}), *self.walk_fieldsets, dates]

    # --- the list's columns ---
    @admin.display(description=_("Photo"))
    def cover(self, listing):
        thumb = listing.cover_thumbnail
        if thumb is None:
            return format_html('<span class="wb-nophoto">{}</span>', _("No photo"))
        return format_html(
            '<img class="wb-thumb" src="{}" width="{}" height="{}" alt="" loading="lazy">',
            thumb["url"],
            thumb["width"],
            thumb["height"],
        )

    @admin.display(description=_("Title"), ordering="title")
    def title_cell(self, listing):
        place = " · ".join(
            part for part in (listing.district.local_name, listing.community_name) if part
        )
        return format_html(
            '<span class="wb-title" title="{}">{}</span><span class="wb-place">{}</span>',
            listing.title,
            listing.title,
            place,
        )

    @admin.display(description=_("Price"), ordering="price")
    def price_cell(self, listing):
        change = reverse("admin:listings_listing_price", args=[listing.pk])
        return format_html(
            '<span class="wb-price">{}</span><span class="wb-ppm2">{}</span>'
            '<a class="wb-quick" href="{}">{}</a>',
            yuan(listing.price),
            _("%(price)s/m²") % {"price": yuan(listing.price_per_m2)},
            change,
            _("Change price"),
        )

    @admin.display(description=_("Floor"), ordering="floor")
    def floor_cell(self, listing):
        lift = _("elevator") if listing.has_elevator else _("no elevator")
        return f"{listing.floor}/{listing.total_floors} · {lift}"

    @admin.display(description=_("Status"), ordering="status")
    def status_badge(self, listing):
        return format_html(
            '<span class="wb-badge wb-{}">{}</span>', listing.status, listing.get_status_display()
        )

    @admin.display(description=_("Expires"), ordering="confirmed_at")
    def expiry(self, listing):
        days = workbench.days_left(listing)
        if days is None:
            return "—"
        text = (
            _("expires today")
            if days == 0
            else ngettext("expires in %(days)d day", "expires in %(days)d days", days)
            % {"days": days}
        )
        soon = "wb-soon" if days < workbench.SOON_DAYS else "wb-later"
        return format_html(
            '<span class="{}" title="{}">{}</span>',
            soon,
            date_format(timezone.localtime(listing.expires_at), "DATE_FORMAT"),
            text,
        )

    def get_list_display(self, request):
        fields = list(super().get_list_display(request))
        counts = [_count_column(count) for count in hooks.listing_counts()]
        fields[-1:-1] = counts  # before the agent
        return (
            fields if may_reassign_listings(request.user) else [f for f in fields if f != "agent"]
        )

    # --- verification and lookalike photos ---
    @admin.display(description=_("Verified"))
    def verification(self, listing):
        return verification_text(listing)

    @admin.display(description=_("Proof documents"))
    def proof_documents(self, listing):
        return proofs_html(listing)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        listing = self.get_object(request, object_id)
        if listing is not None and request.method == "GET":
            lookalikes = selectors.photo_lookalikes_for_agent(
                photos=list(listing.photos.all()), user=request.user
            )
            for listing_ids in lookalikes.values():
                for listing_id in listing_ids:
                    self.message_user(
                        request,
                        _("This photo looks like one on listing %(number)d.")
                        % {"number": listing_id},
                        messages.WARNING,
                    )
        return super().change_view(request, object_id, form_url, extra_context)

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

    @admin.action(description=_("Copy for another flat in the same building"), permissions=["add"])
    def copy_listing(self, request, queryset):
        """Open the add form with the building's facts filled in; not its photos or price."""
        listings = list(queryset[:2])
        if len(listings) != 1:
            self.message_user(request, _("Choose one listing to copy."), messages.WARNING)
            return None
        source = listings[0]
        initial = {}
        for name in BUILDING_FIELDS:
            value = getattr(source, f"{name}_id" if name in ("city", "district") else name)
            if value not in (None, "", False):
                initial[name] = "1" if value is True else value
        self.message_user(
            request,
            _("The building's facts of “%(title)s” are filled in: add this flat's own.")
            % {"title": source.title},
            messages.INFO,
        )
        return HttpResponseRedirect(f"{reverse('admin:listings_listing_add')}?{urlencode(initial)}")

    # --- the quick price change, through listing_update (history and savers' alerts) ---
    def get_urls(self):
        own = [
            path(
                "<path:object_id>/price/",
                self.admin_site.admin_view(self.price_view),
                name="listings_listing_price",
            )
        ]
        return own + super().get_urls()

    def price_view(self, request, object_id):
        listing = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, listing):
            raise PermissionDenied
        form = PriceChangeForm(request.POST or None, initial={"price": listing.price})
        if request.method == "POST" and form.is_valid():
            old_price = listing.price
            try:
                services.listing_update(
                    listing=listing, by=request.user, data={"price": form.cleaned_data["price"]}
                )
            except ValidationError as error:
                form.add_error("price", error.messages)
            else:
                self.message_user(
                    request,
                    _("“%(title)s”: price changed from %(old)s to %(new)s.")
                    % {"title": listing.title, "old": yuan(old_price), "new": yuan(listing.price)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:listings_listing_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Change the price of “%(title)s”") % {"title": listing.title},
            "listing": listing,
            "form": form,
            "price_per_m2": yuan(listing.price_per_m2),
        }
        return TemplateResponse(request, "admin/listings/listing/price.html", context)

    # --- spreadsheets: the agent's own listings only, through the services ---
    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def get_valid_export_item_pks(self, request):
        # The rows an "export selected" may name: the agent's own (the export query filters too).
        return self.get_queryset(request).values_list("pk", flat=True)

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return manages_listings(request.user) and self.has_view_permission(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if may_reassign_listings(request.user) else [*fields, "agent"]

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
        for field, kind in PROOF_FIELDS.items():
            upload = form.cleaned_data.get(field)
            if upload:
                try:
                    services.proof_add(
                        listing=form.instance, upload=upload, kind=kind, by=request.user
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.WARNING)

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


def _count_column(count: hooks.ListingCount):
    """A column for a number another app annotates (hooks.register_listing_count)."""

    def column(listing):
        value = getattr(listing, count.name, 0) or 0
        if not value:
            return format_html('<span class="wb-zero">{}</span>', 0)
        css = "wb-count wb-urgent" if count.urgent else "wb-count"
        return format_html('<span class="{}">{}</span>', css, value)

    column.__name__ = count.name
    return admin.display(description=count.label, ordering=count.name)(column)


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


def verification_text(listing: Listing) -> str:
    if not listing.is_verified:
        return _("Not verified")
    return _("Verified on %(date)s by %(who)s") % {
        "date": date_format(timezone.localtime(listing.verified_at), "DATE_FORMAT"),
        "who": listing.verified_by.get_username() if listing.verified_by else "—",
    }


class VerifierOnly:
    """What only verifiers (staff superusers or the "Verifiers" group) see: one rule,
    `may_verify_listings`, whatever the Django permissions say."""

    def has_module_permission(self, request):
        return may_verify_listings(request.user)

    def has_view_permission(self, request, obj=None):
        return may_verify_listings(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ListingToVerify)
class VerificationAdmin(VerifierOnly, admin.ModelAdmin):
    """Verifiers compare the proofs with the listing's facts and mark it verified (or not)."""

    list_display = [
        "title",
        "agent",
        "city",
        "district",
        "community_name",
        "floor",
        "area_m2",
        "proofs_ready",
        "verification",
    ]
    list_filter = [("verified_at", admin.EmptyFieldListFilter), "city"]
    search_fields = ["title", "community_name", "street_address"]
    list_select_related = ["city", "district", "agent", "verified_by"]
    fields = [
        "title",
        "agent",
        "city",
        "district",
        "community_name",
        "street_address",
        "floor",
        "total_floors",
        "area_m2",
        "price",
        "verification",
        "proof_documents",
    ]
    readonly_fields = fields
    actions = ["verify", "unverify"]

    def get_queryset(self, request):
        ready = ListingProof.objects.filter(
            listing=models.OuterRef("pk"), status=ListingProof.Status.READY
        )
        return (
            super()
            .get_queryset(request)
            .annotate(proofs_ready=models.Exists(ready))
            .filter(models.Exists(ListingProof.objects.filter(listing=models.OuterRef("pk"))))
        )

    def has_verify_permission(self, request):
        return may_verify_listings(request.user)

    @admin.display(description=_("Proof documents"))
    def proof_documents(self, listing):
        return proofs_html(listing)

    @admin.display(description=_("Proof ready"), boolean=True)
    def proofs_ready(self, listing):
        return listing.proofs_ready

    @admin.display(description=_("Verified"))
    def verification(self, listing):
        return verification_text(listing)

    @admin.action(description=_("Mark the selected listings verified"), permissions=["verify"])
    def verify(self, request, queryset):
        self._each(request, queryset, services.listing_verify, _("%(count)d listings verified."))

    @admin.action(description=_("Remove the verified mark"), permissions=["verify"])
    def unverify(self, request, queryset):
        self._each(
            request, queryset, services.listing_unverify, _("%(count)d listings unverified.")
        )

    def _each(self, request, queryset, service, done):
        count = 0
        for listing in queryset:
            try:
                service(listing=listing, by=request.user)
                count += 1
            except ValidationError as error:
                self.message_user(request, f"{listing}: {' '.join(error.messages)}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)


def listing_facts(listing: Listing) -> str:
    return format_html(
        '<a href="{}">{} #{}</a><br>{} · {} · {}/{} · {} m²<br>{}',
        listing.get_absolute_url(),
        listing.title,
        listing.pk,
        listing.city,
        listing.community_name or "—",
        listing.floor,
        listing.total_floors,
        listing.area_m2,
        listing.agent.display_name,
    )


@admin.register(ListingPhotoLookalike)
class PossibleDuplicateAdmin(VerifierOnly, admin.ModelAdmin):
    """Photos that look like a photo on another listing, both listings side by side."""

    list_display = ["new_photo", "new_listing", "old_photo", "old_listing", "distance", "found_at"]
    list_select_related = [
        "photo__listing__city",
        "photo__listing__agent",
        "other__listing__city",
        "other__listing__agent",
    ]
    list_filter = ["found_at"]
    ordering = ["-found_at", "-id"]

    @admin.display(description=_("New photo"))
    def new_photo(self, lookalike):
        return photo_preview(lookalike.photo)

    @admin.display(description=_("Its listing"))
    def new_listing(self, lookalike):
        return listing_facts(lookalike.photo.listing)

    @admin.display(description=_("Looks like"))
    def old_photo(self, lookalike):
        return photo_preview(lookalike.other)

    @admin.display(description=_("On listing"))
    def old_listing(self, lookalike):
        return listing_facts(lookalike.other.listing)
