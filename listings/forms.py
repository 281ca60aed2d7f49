from django import forms
from django.utils.translation import gettext_lazy as _

from listings.costs import DEFAULT_HOME, Home


class TotalCostForm(forms.Form):
    """The buyer's choice on the listing page's total-cost card (a GET form, no JavaScript)."""

    home = forms.ChoiceField(
        label=_("For the deed tax"),
        choices=Home.choices,
        initial=DEFAULT_HOME,
        widget=forms.RadioSelect,
        required=False,
    )

    def chosen_home(self) -> str:
        """The valid choice, else the default: an odd link still shows the page."""
        if self.is_bound and self.is_valid() and self.cleaned_data["home"]:
            return self.cleaned_data["home"]
        return DEFAULT_HOME
