from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import SavedSearch


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    frequency = forms.ChoiceField(
        label=_("Alerts"),
        choices=SavedSearch.Frequency.choices,
        initial=SavedSearch.Frequency.INSTANT,
        help_text=_(
            "At once: a notification as soon as new flats match, naming them. Once a day: one "
            "email each morning."
        ),
    )
