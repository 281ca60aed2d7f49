from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignupForm(UserCreationForm):
    """Public sign-up: the role is not a field, every new account is a buyer."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]
