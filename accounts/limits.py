"""Per-client rates on the account doors that store nothing yet (marketplace.limits.check_rate).

Each rate has one group for every door, so the sign-up page and the API share one allowance.
Counted in the default cache; with Redis down they let requests through.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from marketplace.limits import check_rate


def check_signup_rate(request, *, field: str | None = None) -> None:
    check_rate(
        request,
        group="accounts.signup",
        rate=settings.SIGNUP_RATE,
        message=_("Too many new accounts from your network."),
        field=field,
    )


def check_password_reset_rate(request, *, email: str) -> None:
    """Per client address, and per email address so nobody can flood someone's inbox."""
    message = _("Too many password-reset emails asked for.")
    check_rate(
        request,
        group="accounts.password-reset",
        rate=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
        message=message,
    )
    check_rate(
        request,
        group="accounts.password-reset-email",
        rate=settings.PASSWORD_RESET_RATE_PER_EMAIL,
        key=lambda _group, _request: email.strip().casefold(),
        message=message,
    )
