from django.contrib.auth.forms import BaseUserCreationForm

from accounts.models import User


class SignupForm(BaseUserCreationForm):
    """Public sign-up: the role is not a field, every new account is a buyer."""

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ["username", "email"]
