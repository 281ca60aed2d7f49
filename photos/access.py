"""Who may see a private photo file: the app that owns it decides, through a small registry.

photos is the base layer and names no app above it. An app registers, at start-up
(AppConfig.ready), the prefix its file names start with (its photo model's `files_prefix`: the
variants are in `<prefix>/<object id>/<photo id>/`) and a check `can_view(user, object_id) ->
bool`: listings by the listing's visibility, renovations by project membership. A name that is not a variant of a registered prefix, or a
user the check refuses, is a 404 for the view, never a hint that the file exists.
"""

import re
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

CanView = Callable[..., bool]

# <owner>/<object id>/<photo id>/<variant>-<hash>.<format>: only what store_variants writes.
# Originals (<owner>/<id>/originals/…, with GPS) and anything with ".." or other folders never
# match. The file name allows the suffix a storage adds when a name is taken.
VARIANT_NAME = re.compile(
    r"(?P<owner>[a-z]+)/(?P<object_id>[1-9][0-9]{0,18})/[1-9][0-9]{0,18}/"
    r"(?:thumb|medium|large)-[0-9a-f]{12}(?:_[A-Za-z0-9]{1,16})?\.(?P<format>webp|jpeg)"
)
CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}
OWNER_PREFIX = re.compile(r"[a-z]+")

_checks: dict[str, CanView] = {}


def register_private_photos(owner: str, can_view: CanView) -> None:
    """Let `can_view(user, object_id)` decide who sees the private variants under `owner/`."""
    if not OWNER_PREFIX.fullmatch(owner):
        raise ImproperlyConfigured(f"Photo owner prefix {owner!r}: lowercase letters only.")
    registered = _checks.get(owner)
    if registered is not None and registered is not can_view:
        raise ImproperlyConfigured(f"Photo owner prefix {owner!r} is registered twice.")
    _checks[owner] = can_view


def registered_owners() -> list[str]:
    return sorted(_checks)


def viewable_content_type(user, name: str) -> str | None:
    """The file's content type if `user` may see the private variant `name`; else None."""
    match = VARIANT_NAME.fullmatch(name)
    if match is None:
        return None
    can_view = _checks.get(match["owner"])
    if can_view is None or not can_view(user, int(match["object_id"])):
        return None
    return CONTENT_TYPES[match["format"]]
