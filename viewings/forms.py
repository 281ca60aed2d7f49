from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from viewings import services
from viewings.models import Viewing, Weekday


def slot_choices(slots) -> list[tuple[str, str]]:
    return [
        (slot.isoformat(), date_format(timezone.localtime(slot), "D Y-m-d H:i")) for slot in slots
    ]


class SlotField(forms.DateTimeField):
    """One of the offered times, as radio buttons; any time is parsed, the service judges it."""

    widget = forms.RadioSelect

    def __init__(self, *, slots=(), **kwargs):
        super().__init__(**kwargs)
        self.widget.choices = slot_choices(slots)

    def prepare_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class BookingForm(forms.Form):
    starts_at = SlotField(label=_("Time (Beijing)"))
    channel = forms.ChoiceField(
        label=_("How to meet"),
        choices=Viewing.Channel.choices,
        initial=Viewing.Channel.WECHAT,
        widget=forms.RadioSelect,
    )
    contact = forms.CharField(
        label=_("Your WeChat id or phone number"), max_length=services.MAX_CONTACT
    )
    note = forms.CharField(
        label=_("Note for the agent (optional)"),
        required=False,
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": services.MAX_NOTE}),
    )

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].widget.choices = slot_choices(slots)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why (the buyer reads this)"), max_length=services.MAX_REASON)


class ProposeForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Another time (Beijing)"), widget=forms.Select)

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].widget.choices = slot_choices(slots)


class WeeklyHoursForm(forms.Form):
    """One row per weekday: open or not, from, until."""

    def __init__(self, *args, hours=None, **kwargs):
        super().__init__(*args, **kwargs)
        hours = hours or {}
        for weekday, label in Weekday.choices:
            row = hours.get(weekday)
            self.fields[f"open_{weekday}"] = forms.BooleanField(
                label=label, required=False, initial=row is not None
            )
            self.fields[f"starts_{weekday}"] = forms.TimeField(
                label=_("From"),
                required=False,
                initial=row.starts if row else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"ends_{weekday}"] = forms.TimeField(
                label=_("Until"),
                required=False,
                initial=row.ends if row else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def rows(self):
        return [
            (self[f"open_{weekday}"], self[f"starts_{weekday}"], self[f"ends_{weekday}"])
            for weekday in Weekday.values
        ]

    def clean(self):
        data = super().clean()
        for weekday in Weekday.values:
            if not data.get(f"open_{weekday}"):
                continue
            starts, ends = data.get(f"starts_{weekday}"), data.get(f"ends_{weekday}")
            if starts is None or ends is None:
                self.add_error(f"starts_{weekday}", _("Give the hours of an open day."))
                continue
            try:
                services.weekly_span_check(starts, ends)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(f"{field}_{weekday}", messages)
        return data

    def hours(self):
        return {
            weekday: (
                (self.cleaned_data[f"starts_{weekday}"], self.cleaned_data[f"ends_{weekday}"])
                if self.cleaned_data.get(f"open_{weekday}")
                else None
            )
            for weekday in Weekday.values
        }


class DayOffForm(forms.Form):
    date = forms.DateField(label=_("Day off"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note (only you see it)"), required=False, max_length=200)
