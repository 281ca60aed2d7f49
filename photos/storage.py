"""Storing and deleting the files of rendered variants, for any app's photo model."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from photos.processing import Rendered

logger = logging.getLogger(__name__)


def store_variants(rendered: Rendered, *, prefix: str, content_hash: str) -> dict[str, dict]:
    """Save every variant under prefix; returns the JSON map a photo row keeps in `variants`."""
    storage = storages["default"]
    stored = {}
    for variant in rendered.variants:
        entry = {"width": variant.width, "height": variant.height}
        for key, content in variant.files.items():
            name = f"{prefix}/{variant.name}-{content_hash[:12]}.{key}"
            if storage.exists(name):  # left by a run that died before it recorded its work
                storage.delete(name)
            entry[key] = storage.save(name, ContentFile(content))
        stored[variant.name] = entry
    return stored


def delete_names(storage_alias: str, names: list[str]) -> None:
    storage = storages[storage_alias]
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s", name, exc_info=True)
