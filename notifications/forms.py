from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind


class EmailSettingsForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.BooleanField(
                label=_("Email me: %(kind)s") % {"kind": label}, required=False
            )
