from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AgentProfile, User

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
