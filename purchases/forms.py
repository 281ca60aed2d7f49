from django import forms
from django.utils.translation import gettext_lazy as _

from purchases.models import Step

FILE_ACCEPT = (
    "application/pdf,.pdf,image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StepForm(forms.Form):
    """A step's status, date and note; the statuses offered are those the service allows this
    side (services.step_status_choices), and the service decides again on submit."""

    status = forms.ChoiceField(label=_("Status"), choices=Step.Status.choices)
    done_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(),
        help_text=_("When it was done; today if left empty."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, step: Step, allowed: list[str], **kwargs):
        kwargs.setdefault("prefix", f"step-{step.pk}")
        kwargs.setdefault(
            "initial", {"status": step.status, "done_on": step.done_on, "note": step.note}
        )
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields["status"].choices = [
            (value, label) for value, label in Step.Status.choices if value in allowed
        ]


class StepFileForm(forms.Form):
    file = forms.FileField(
        label=_("PDF or photo"),
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
        help_text=_("Seen only by the buyer and the agent."),
    )
    title = forms.CharField(label=_("Title (optional)"), required=False, max_length=120)

    def __init__(self, *args, step: Step, **kwargs):
        kwargs.setdefault("prefix", f"file-{step.pk}")
        super().__init__(*args, **kwargs)
        self.step = step


class ProposeForm(forms.Form):
    """The agent proposes a purchase to a buyer who asked about one of their flats."""

    conversation = forms.ModelChoiceField(
        label=_("Buyer and flat"),
        queryset=None,
        empty_label=None,
        help_text=_("Buyers who asked you about one of your flats on the market."),
    )

    def __init__(self, *args, conversations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["conversation"]
        field.queryset = conversations
        field.label_from_instance = lambda c: f"{c.buyer.display_name} · {c.listing.title}"
