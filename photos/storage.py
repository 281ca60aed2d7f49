"""Storing, moving and deleting the files of rendered variants, for any app's photo model."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from photos.processing import Rendered
from photos.variants import FORMAT_KEYS, variant_files, variant_storage

logger = logging.getLogger(__name__)


def store_variants(
    rendered: Rendered, *, prefix: str, content_hash: str, storage_alias: str
) -> dict[str, dict]:
    """Save every variant under prefix; returns the JSON map a photo row keeps in `variants`."""
    storage = storages[storage_alias]
    stored = {}
    for variant in rendered.variants:
        entry = {"width": variant.width, "height": variant.height, "storage": storage_alias}
        for key, content in variant.files.items():
            entry[key] = _save(
                storage, f"{prefix}/{variant.name}-{content_hash[:12]}.{key}", content
            )
        stored[variant.name] = entry
    return stored


def _save(storage, name: str, content) -> str:
    if storage.exists(name):  # left by a run that died before it recorded its work
        storage.delete(name)
    return storage.save(name, content if hasattr(content, "read") else ContentFile(content))


def copy_variants(variants: dict, *, to: str) -> dict[str, dict]:
    """Copy every variant not yet in storage `to` there; returns the map to record.

    The old files stay: the caller deletes them once the new map is committed. If a copy
    fails, what this call copied is removed and the error raised.
    """
    target = storages[to]
    copied, result = [], {}
    try:
        for name, data in variants.items():
            source = variant_storage(data)
            if source == to:
                result[name] = data
                continue
            entry = {**data, "storage": to}
            for key in FORMAT_KEYS:
                if data.get(key):
                    with storages[source].open(data[key], "rb") as file:
                        entry[key] = _save(target, data[key], ContentFile(file.read()))
                    copied.append(entry[key])
            result[name] = entry
    except Exception:
        delete_names(to, copied)
        raise
    return result


def delete_names(storage_alias: str, names: list[str]) -> None:
    storage = storages[storage_alias]
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s", name, exc_info=True)


def delete_variant_files(variants: dict | None, *, keep: dict | None = None) -> None:
    """Delete the variants' files from the storage each is in, except those `keep` still names."""
    kept = set(variant_files(keep))
    by_storage: dict[str, list[str]] = {}
    for alias, name in variant_files(variants):
        if (alias, name) not in kept:
            by_storage.setdefault(alias, []).append(name)
    for alias, names in by_storage.items():
        delete_names(alias, names)
