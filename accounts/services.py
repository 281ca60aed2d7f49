import logging

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from knox.models import AuthToken
from knox.settings import knox_settings

from accounts.lockout import login_attempts
from accounts.models import AgentProfile, User

logger = logging.getLogger(__name__)

AGENTS_GROUP = "Agents"
AGENT_PERMISSIONS = [
    ("listings", "add_listing"),
    ("listings", "change_listing"),
    ("listings", "delete_listing"),
    ("listings", "view_listing"),
    ("listings", "view_city"),
    ("listings", "view_district"),
    ("listings", "view_listingphoto"),
    ("listings", "change_listingphoto"),
    ("listings", "delete_listingphoto"),
]


def agents_group() -> Group:
    """The admin group agents belong to, with exactly the permissions they need."""
    group, _created = Group.objects.get_or_create(name=AGENTS_GROUP)
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in AGENT_PERMISSIONS
    ]
    group.permissions.set(permissions)
    return group


def buyer_register(*, username: str, password: str, email: str = "", language: str = "") -> User:
    """Public sign-up: always a buyer, whatever the form or request body says."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("That username is taken.")})
    user = User(username=username, email=email, role=User.Role.BUYER)
    if language in dict(settings.LANGUAGES):
        user.language = language  # the language they signed up in: their emails' language
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_make_agent(*, user: User, agency_name: str = "") -> AgentProfile:
    """Turn a user into an agent who manages listings in the admin."""
    user.role = User.Role.AGENT
    user.is_staff = True
    user.save(update_fields=["role", "is_staff"])
    user.groups.add(agents_group())
    profile, _created = AgentProfile.objects.get_or_create(
        user=user, defaults={"agency_name": agency_name or user.display_name}
    )
    return profile


@transaction.atomic
def user_revoke_agent(*, user: User) -> None:
    """An agent who leaves keeps their account and listings but no longer manages any."""
    user.role = User.Role.BUYER
    user.is_staff = user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    user.groups.remove(agents_group())


# --- sessions, tokens and passwords -------------------------------------------------------


@transaction.atomic
def user_end_sessions(*, user: User, keep_session: SessionBase | None = None) -> None:
    """End every web session and every API token of the user, except `keep_session`.

    Sessions end by raising the generation mixed into their hash (accounts.models.User): each is
    refused, and emptied, the next time it is used, wherever it is stored. The kept session, if
    it is the user's, gets a new key and the new hash, as Django does after a password change.
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    AuthToken.objects.filter(user=user).delete()
    if keep_session is not None and keep_session.get(SESSION_KEY) == str(user.pk):
        keep_session.cycle_key()
        keep_session[HASH_SESSION_KEY] = user.get_session_auth_hash()


@transaction.atomic
def user_set_password(
    *, user: User, password: str, keep_session: SessionBase | None = None
) -> None:
    """A changed or reset password: every other session and every API token ends.

    The password must have been validated (the forms run AUTH_PASSWORD_VALIDATORS). A lock-out
    of the username ends too: whoever set it knew the old password or owns the email address.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    user_end_sessions(user=user, keep_session=keep_session)
    transaction.on_commit(lambda: login_attempts().forget_username(user.get_username()))


@transaction.atomic
def token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new API token (returned once, stored hashed). At most API_TOKENS_PER_USER stay live:
    beyond that the one used longest ago goes (each use renews a token's expiry, so the soonest
    expiry is the least recently used); expired ones are deleted and never count."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issuer at a time per user
    tokens = AuthToken.objects.filter(user=user)
    tokens.filter(expiry__lte=timezone.now()).delete()
    keep = max(settings.API_TOKENS_PER_USER - 1, 0)
    oldest_first = tokens.order_by(F("expiry").asc(nulls_last=True), "created", "digest")
    surplus = list(oldest_first.values_list("digest", flat=True)[: max(tokens.count() - keep, 0)])
    if surplus:
        AuthToken.objects.filter(digest__in=surplus).delete()
    return AuthToken.objects.create(user, knox_settings.TOKEN_TTL)


def password_reset_email_send(*, user_id: int) -> bool:
    """Email the user a one-use link to set a new password, in the user's language.

    The link is made when the email is sent; it stops working once the password changes (or
    after PASSWORD_RESET_TIMEOUT). Returns False for a user who may not reset.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(user.language):
        context = {"user": user, "reset_url": f"{settings.SITE_URL}{path}"}
        subject = render_to_string("registration/password_reset_subject.txt", context)
        body = render_to_string("registration/password_reset_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return True


def user_set_monthly_savings(*, user: User, monthly_savings: int | None) -> User:
    """The buyer's own monthly savings (or none): listing pages say how many months a flat's
    total cost is. Nobody else ever sees the figure."""
    user.monthly_savings = monthly_savings
    user.full_clean(validate_unique=False, validate_constraints=False)
    user.save(update_fields=["monthly_savings"])
    return user
