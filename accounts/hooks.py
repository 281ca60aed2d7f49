"""Where the apps above accounts add to what it shows, so that accounts names none of them.

accounts is the bottom layer (docs/architecture.md, "Layers"). An app with something to say
about the signed-in person on GET /me/ (notifications: `unread_notifications`) registers a
read-only serializer field for it at start-up, in its AppConfig.ready.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

# A callable returning a new read-only serializer field whose source is the user ("*").
FieldFactory = Callable[[], serializers.Field]

_me_fields: dict[str, FieldFactory] = {}


def register_me_field(name: str, make_field: FieldFactory) -> None:
    registered = _me_fields.get(name)
    if registered is not None and registered is not make_field:
        raise ImproperlyConfigured(f"The /me/ field {name!r} is registered twice.")
    _me_fields[name] = make_field


def me_fields() -> list[tuple[str, FieldFactory]]:
    return list(_me_fields.items())
