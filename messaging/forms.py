from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.services import MAX_BODY


def draft_key(listing_id: int) -> str:
    """Where a visitor's message waits in the session while they log in."""
    return f"message-draft:{listing_id}"


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_BODY}),
    )
