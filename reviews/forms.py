from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import MAX_TEXT, RATINGS


class ReviewForm(forms.Form):
    """Shape only; the service decides whether this purchase or viewing may be reviewed."""

    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(stars, "★" * stars) for stars in reversed(RATINGS)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("5 stars: excellent; 1 star: very poor."),
    )
    text = forms.CharField(
        label=_("Your review"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was it like to deal with this agent? Other buyers will read it."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You can answer once; everyone reading the review sees it."),
    )

    def __init__(self, *args, review, **kwargs):
        kwargs.setdefault("prefix", f"answer-{review.pk}")
        super().__init__(*args, **kwargs)
        self.review = review
