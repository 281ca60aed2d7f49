from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from reviews import services
from reviews.models import MAX_HIDDEN_REASON, Review
from reviews.selectors import may_moderate_reviews


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why hide them"),
        max_length=MAX_HIDDEN_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Each author sees this reason under their hidden review."),
    )


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderators (staff superusers, or staff with "Can hide and show reviews") read every
    review and hide or show it again through the services; nobody edits what buyers wrote."""

    list_display = ["agent", "author", "rating", "created_at", "basis", "is_answered", "hidden"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter), "rating"]
    search_fields = ["text", "agent__username", "author__username", "listing__title"]
    list_select_related = ["agent", "author"]
    fields = [
        "agent",
        "author",
        "listing",
        "purchase",
        "viewing",
        "rating",
        "text",
        "created_at",
        "answer",
        "answered_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]
    readonly_fields = fields
    actions = ["hide", "show"]

    def has_module_permission(self, request):
        return may_moderate_reviews(request.user)

    def has_view_permission(self, request, obj=None):
        return may_moderate_reviews(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return may_moderate_reviews(request.user)

    @admin.display(description=_("reviewed after"))
    def basis(self, review):
        return _("purchase") if review.purchase_id else _("video viewing")

    @admin.display(description=_("answered"), boolean=True)
    def is_answered(self, review):
        return review.is_answered

    @admin.display(description=_("hidden"), boolean=True)
    def hidden(self, review):
        return review.is_hidden

    @admin.action(description=_("Hide the selected reviews, saying why"), permissions=["moderate"])
    def hide(self, request, queryset):
        form = HideForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._each(
                request,
                queryset,
                lambda review: services.review_hide(
                    review=review, by=request.user, reason=form.cleaned_data["reason"]
                ),
                _("%(count)d reviews hidden."),
            )
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Hide reviews"),
            "reviews": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reviews/review/hide.html", context)

    @admin.action(description=_("Show the selected reviews again"), permissions=["moderate"])
    def show(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda review: services.review_show(review=review, by=request.user),
            _("%(count)d reviews shown again."),
        )

    def _each(self, request, queryset, change, done):
        count = 0
        for review in queryset:
            try:
                change(review)
                count += 1
            except ValidationError as error:
                self.message_user(request, f"{review}: {' '.join(error.messages)}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)
