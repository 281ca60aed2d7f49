import re

from django import forms
from django.utils.translation import gettext_lazy as _

from listings.models import Listing
from renovations.models import Expense, ProjectMember, RenovationProject, Task

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


LISTING_NUMBER = re.compile(r"^(?:.*/listings/)?(\d+)/?(?:[?#].*)?$")


class ProjectForm(forms.ModelForm):
    listing_link = forms.CharField(
        label=_("Walkup listing (optional)"),
        required=False,
        max_length=300,
        help_text=_("Paste the address of the flat's page on Walkup, or its number."),
    )
    from_template = forms.BooleanField(
        label=_("Start from the small-flat template (eight steps in the order the trades come)"),
        required=False,
        initial=True,
    )

    class Meta:
        model = RenovationProject
        fields = ["title", "address", "budget", "start_date", "target_date"]
        widgets = {"start_date": DateInput(), "target_date": DateInput()}

    def clean_listing_link(self) -> Listing | None:
        link = self.cleaned_data["listing_link"].strip()
        if not link:
            return None
        match = LISTING_NUMBER.match(link)
        listing = (
            Listing.objects.once_published().filter(pk=match.group(1)).first() if match else None
        )
        if listing is None:
            raise forms.ValidationError(_("This is not the address of a flat on Walkup."))
        return listing


class ProjectEditForm(forms.ModelForm):
    class Meta:
        model = RenovationProject
        fields = ["title", "address", "budget", "status", "start_date", "target_date"]
        widgets = {"start_date": DateInput(), "target_date": DateInput()}


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["name", "room", "planned_start", "planned_end", "estimated_cost"]
        widgets = {"planned_start": DateInput(), "planned_end": DateInput()}


class TaskEditForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["name", "room", "planned_start", "planned_end", "estimated_cost", "position"]
        widgets = {"planned_start": DateInput(), "planned_end": DateInput()}


class ExpenseForm(forms.ModelForm):
    receipt = forms.FileField(
        label=_("Receipt photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )

    class Meta:
        model = Expense
        fields = ["amount", "category", "spent_on", "task", "note"]
        widgets = {"spent_on": DateInput()}

    def __init__(self, *args, project: RenovationProject, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this project's tasks are offered; the service refuses any other anyway.
        self.fields["task"].queryset = project.tasks.order_by("position", "id")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(upload, initial) for upload in files]


class UpdateForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    photos = MultiplePhotoField(label=_("Photos"), required=False)


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=ProjectMember.MemberRole.choices)
