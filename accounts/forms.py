import logging

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import UserCreationForm

from accounts import services
from accounts.models import User
from accounts.tasks import send_password_reset_email

logger = logging.getLogger(__name__)


class SignupForm(UserCreationForm):
    """Public sign-up: the role is not a field, every new account is a buyer."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, but the email is a task (accounts.tasks): in the user's language, with
    SITE_URL links, and the page answers as fast for an unknown address as for a known one."""

    def save(self, **_django_email_options):
        for user in self.get_users(self.cleaned_data["email"]):
            try:
                send_password_reset_email.delay(user.pk)
            except Exception:
                # The page must say the same whatever happened; the person can ask again.
                logger.exception("Could not send a password-reset email to user %s.", user.pk)


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """A password set by staff in the admin ends the user's sessions and API tokens too."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            services.user_end_sessions(user=user)
        return user


class MonthlySavingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["monthly_savings"]
        widgets = {
            "monthly_savings": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off"}
            )
        }
