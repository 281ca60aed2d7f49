"""The life of any app's photo row after upload: variants made once, failures kept with a reason.

A photo model has `original` (a private FileField), `content_hash`, `status` (a `Status` with
PENDING, READY and FAILED), `failure_reason`, `attempts`, `width`, `height`, `captured_at`,
`variants` (the JSON map `store_variants` returns) and `processed_at`.

Where a photo's variant files belong is its app's decision, `storage_for(photo)`: "default"
(public, cacheable URLs) or "private" (served through the access-checked view). Processing
stores them there, and `photo_relocate` moves them when the answer changes (a listing
published or taken back into draft).
"""

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from photos.processing import VARIANT_WIDTHS, ImageProcessingError, render_variants
from photos.storage import copy_variants, delete_names, delete_variant_files, store_variants
from photos.variants import variant_files

logger = logging.getLogger(__name__)

Photo = TypeVar("Photo", bound=models.Model)
StorageFor = Callable[[models.Model], str]


def variant_prefix(owner: str, object_id: int, photo_id: int) -> str:
    """The folder of a photo's variants: `<owner>/<object id>/<photo id>`.

    `owner` is the prefix its app registered with photos.access, which reads the object id
    back from the name to decide who may see the file.
    """
    return f"{owner}/{object_id}/{photo_id}"


def photo_process(
    *,
    model: type[Photo],
    photo_id: int,
    prefix: Callable[[Photo], str],
    storage_for: StorageFor,
) -> Photo | None:
    """Make the variants a photo is missing; a second run finds none missing and does nothing.

    `prefix(photo)` names the folder its variants are stored in, `storage_for(photo)` the
    storage, as things stand when the files are written.
    """
    with transaction.atomic():
        photo = model.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None:
            return None
        missing = set(VARIANT_WIDTHS) - set(photo.variants)
        if photo.status == model.Status.FAILED or not missing:
            return photo
        if photo.attempts >= settings.PHOTO_MAX_ATTEMPTS:
            reason = _("Processing stopped %(count)d times before it finished.") % {
                "count": photo.attempts
            }
            return photo_fail(photo, reason)
        # Counted before the work, so a worker killed by this file still uses up an attempt.
        photo.attempts += 1
        photo.save(update_fields=["attempts"])

    with photo.original.open("rb") as original:
        content = original.read()
    try:
        rendered = render_variants(content, missing)
    except ImageProcessingError as error:
        return photo_fail(
            photo, _("This file could not be read as a photo: %(error)s") % {"error": error}
        )
    stored = store_variants(
        rendered,
        prefix=prefix(photo),
        content_hash=photo.content_hash,
        storage_alias=storage_for(photo),
    )

    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=photo_id).first()
        if current is None:  # deleted while we worked
            transaction.on_commit(lambda: delete_variant_files(stored))
            return None
        current.variants = {**current.variants, **stored}
        current.width, current.height = rendered.width, rendered.height
        current.captured_at = rendered.captured_at
        current.status = model.Status.READY
        current.failure_reason = ""
        current.processed_at = timezone.now()
        current.save()
    # A listing published (or taken back) while we worked: its move found no variants to move,
    # so the files go where they belong now. Checked after our commit, so one of us sees both.
    if photo_relocate(model=model, photo_id=photo_id, storage_for=storage_for):
        current.refresh_from_db(fields=["variants"])
    return current


def photo_fail(photo: Photo, reason: str) -> Photo:
    photo.status = type(photo).Status.FAILED
    photo.failure_reason = reason[:300]
    photo.save(update_fields=["status", "failure_reason"])
    return photo


def photo_files_delete_after_commit(photo: models.Model) -> None:
    """Once the caller's transaction commits, delete every file the row names."""
    variants = photo.variants
    original = [photo.original.name] if photo.original else []
    transaction.on_commit(lambda: delete_variant_files(variants))
    transaction.on_commit(lambda: delete_names("private", original))


def photo_relocate(*, model: type[Photo], photo_id: int, storage_for: StorageFor) -> bool:
    """Move a photo's variant files to the storage `storage_for(photo)` names; True if moved.

    Copy, record, and delete the old files once that is committed, so the recorded URLs always
    work: while a just-published listing's photos are still private, the access-checked URL
    serves everyone who may see the listing. The row is locked throughout, so two movers (the
    status change's task and the sweep) or a worker recording new variants take turns; a second
    run finds nothing to move.
    """
    with transaction.atomic():
        photo = model.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or not photo.variants:
            return False
        target = storage_for(photo)
        if all(alias == target for alias, _name in variant_files(photo.variants)):
            return False
        old = photo.variants
        photo.variants = copy_variants(old, to=target)
        photo.save(update_fields=["variants"])
        new = photo.variants
        transaction.on_commit(lambda: delete_variant_files(old, keep=new))
    return True


def photos_relocate(
    *, model: type[Photo], photo_ids: Iterable[int], storage_for: StorageFor
) -> int:
    """`photo_relocate` each photo; returns how many moved.

    A photo whose files cannot be moved (storage down, file missing) does not stop the others;
    the first such error is raised at the end, so the task is retried or the failure logged.
    """
    moved, failure = 0, None
    for photo_id in photo_ids:
        try:
            moved += photo_relocate(model=model, photo_id=photo_id, storage_for=storage_for)
        except OSError as error:
            logger.warning("Could not move the files of photo %s", photo_id, exc_info=True)
            failure = failure or error
    if failure is not None:
        raise failure
    return moved


def photos_requeue_stale(*, model: type[models.Model], received_field: str, send) -> int:
    """Queue again the photos whose task never ran (broker or worker down when they came in):
    `send(photo_id)` for each; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.PHOTO_STALE_AFTER_SECONDS)
    stale = model.objects.filter(
        status=model.Status.PENDING,
        attempts__lt=settings.PHOTO_MAX_ATTEMPTS,
        **{f"{received_field}__lt": cutoff},
    ).values_list("pk", flat=True)
    count = 0
    for photo_id in stale.iterator():
        send(photo_id)
        count += 1
    return count
