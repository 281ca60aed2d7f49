"""A photo row's `variants` JSON: what each variant's URLs are, and which storage holds its files.

{"thumb": {"width": 400, "height": 300, "webp": "<name>", "jpeg": "<name>", "storage": "private"}, ...}

Published listings' photos are in the public storage ("default"), served as plain, cacheable
URLs. Every other photo is in the "private" storage and reached only through the access-checked
view (photos/views.py). Entries recorded before the private storage was used have no "storage":
their files are public, and the apps' sweeps move those that should not be.
"""

from functools import lru_cache
from urllib.parse import quote

from django.core.files.storage import storages
from django.db.models import Q
from django.urls import get_script_prefix, reverse

PUBLIC = "default"
PRIVATE = "private"
FORMAT_KEYS = ("webp", "jpeg")


def variant_storage(data: dict) -> str:
    return data.get("storage", PUBLIC)


def private_media_url(name: str) -> str:
    """The access-checked URL of a file in the private storage."""
    return _private_media_root(get_script_prefix()) + quote(name)


@lru_cache(maxsize=8)
def _private_media_root(script_prefix: str) -> str:
    # reverse() is the slow part of building a URL and the root is the same for every name:
    # a renovation page builds hundreds of these.
    return reverse("photos:private-media", kwargs={"name": "-"})[:-1]


def variant_payload(variants: dict | None, name: str) -> dict | None:
    """One variant's URLs (modern WebP and the JPEG every client reads) and its size."""
    data = (variants or {}).get(name)
    if not data:
        return None
    url = private_media_url if variant_storage(data) == PRIVATE else storages[PUBLIC].url
    return {
        "url": url(data["jpeg"]),
        "url_webp": url(data["webp"]),
        "width": data["width"],
        "height": data["height"],
    }


def variant_names(variants: dict | None) -> list[str]:
    """Every stored file of every variant, whichever storage holds it."""
    return [name for _storage, name in variant_files(variants)]


def variant_files(variants: dict | None) -> list[tuple[str, str]]:
    """(storage alias, name) of every stored file of every variant, for moving and deleting."""
    return [
        (variant_storage(data), data[key])
        for data in (variants or {}).values()
        for key in FORMAT_KEYS
        if data.get(key)
    ]


def stored_outside(storage_alias: str, variant_names: tuple[str, ...]) -> Q:
    """Rows with at least one of these variants outside the given storage (a database filter)."""
    outside = Q()
    for name in variant_names:
        storage = f"variants__{name}__storage"
        elsewhere = Q(**{f"{storage}__isnull": False}) & ~Q(**{storage: storage_alias})
        if storage_alias != PUBLIC:
            # Written out: SQL's NOT of a missing key is NULL, which would leave old rows out.
            elsewhere |= Q(**{f"{storage}__isnull": True})
        outside |= Q(**{f"variants__{name}__isnull": False}) & elsewhere
    return outside
