"""The life of any app's photo row after upload: variants made once, failures kept with a reason.

A photo model has `original` (a private FileField), `content_hash`, `status` (a `Status` with
PENDING, READY and FAILED), `failure_reason`, `attempts`, `width`, `height`, `captured_at`,
`variants` (the JSON map `store_variants` returns) and `processed_at`.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from photos.processing import VARIANT_WIDTHS, ImageProcessingError, render_variants
from photos.storage import delete_names, store_variants
from photos.variants import variant_names

Photo = TypeVar("Photo", bound=models.Model)


def photo_process(
    *, model: type[Photo], photo_id: int, prefix: Callable[[Photo], str]
) -> Photo | None:
    """Make the variants a photo is missing; a second run finds none missing and does nothing.

    `prefix(photo)` names the folder its variants are stored in.
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
    stored = store_variants(rendered, prefix=prefix(photo), content_hash=photo.content_hash)

    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=photo_id).first()
        if current is None:  # deleted while we worked
            transaction.on_commit(lambda: delete_names("default", variant_names(stored)))
            return None
        current.variants = {**current.variants, **stored}
        current.width, current.height = rendered.width, rendered.height
        current.captured_at = rendered.captured_at
        current.status = model.Status.READY
        current.failure_reason = ""
        current.processed_at = timezone.now()
        current.save()
    return current


def photo_fail(photo: Photo, reason: str) -> Photo:
    photo.status = type(photo).Status.FAILED
    photo.failure_reason = reason[:300]
    photo.save(update_fields=["status", "failure_reason"])
    return photo


def photo_files_delete_after_commit(photo: models.Model) -> None:
    """Once the caller's transaction commits, delete every file the row names."""
    public = variant_names(photo.variants)
    original = [photo.original.name] if photo.original else []
    transaction.on_commit(lambda: delete_names("default", public))
    transaction.on_commit(lambda: delete_names("private", original))


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
