"""The life of any app's photo row after upload: variants made once, failures kept with a reason.

Works on any `photos.models.ProcessedPhoto` model: the row says where its variants are stored
(`variants_folder`) and in which storage they belong (`variant_storage()`): "default" (public,
cacheable URLs) or "private" (served through the access-checked view). Processing stores them
there, and `photo_relocate` moves them when the answer changes (a listing published or taken
back into draft).
"""

import logging
from collections.abc import Iterable
from typing import TypeVar

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.tasks import enqueue_or_leave_for_sweep
from photos import hooks
from photos.hashing import perceptual_hash_of_file
from photos.models import PerceptuallyHashed, ProcessedPhoto, photo_model, photo_models
from photos.processing import VARIANT_WIDTHS, ImageProcessingError, render_variants
from photos.storage import copy_variants, delete_names, delete_variant_files, store_variants
from photos.variants import variant_files, variant_storage

logger = logging.getLogger(__name__)

Photo = TypeVar("Photo", bound=ProcessedPhoto)


def photo_process(*, model: type[Photo], photo_id: int) -> Photo | None:
    """Make the variants a photo is missing, then its perceptual hash if its model keeps one; a
    second run finds nothing missing and does nothing."""
    photo = photo_make_variants(model=model, photo_id=photo_id)
    if photo is not None and isinstance(photo, PerceptuallyHashed):
        return photo_fingerprint(model=model, photo_id=photo_id) or photo
    return photo


def photo_fingerprint(*, model: type[Photo], photo_id: int) -> Photo | None:
    """Hash a ready photo's thumbnail (photos.hashing) if it has no hash yet, and tell its app
    (photos.hooks) in the same transaction. Photos processed before hashes existed get theirs
    the same way, whenever their task runs again."""
    photo = model.objects.filter(pk=photo_id).first()
    if photo is None or photo.status != model.Status.READY or photo.perceptual_hash is not None:
        return photo
    thumb = photo.variants.get("thumb") or {}
    if not thumb.get("jpeg"):
        return photo
    with storages[variant_storage(thumb)].open(thumb["jpeg"], "rb") as file:
        value = perceptual_hash_of_file(file.read())
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=photo_id).first()
        if current is None or current.perceptual_hash is not None:
            return current
        current.save(update_fields=current.set_perceptual_hash(value))
        hooks.announce_hashed(current)
    return current


def photo_make_variants(*, model: type[Photo], photo_id: int) -> Photo | None:
    """Make the variants a photo is missing; a second run finds none missing and does nothing.

    The files go to the storage the photo belongs in as things stand when they are written.
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
        prefix=photo.variants_folder,
        content_hash=photo.content_hash,
        storage_alias=photo.variant_storage(),
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
    # One line per photo made ready: `make rehearse` counts them to show none is made twice.
    logger.info("Photo variants made: %s %s", model._meta.label, photo_id)
    # A listing published (or taken back) while we worked: its move found no variants to move,
    # so the files go where they belong now. Checked after our commit, so one of us sees both.
    if photo_relocate(model=model, photo_id=photo_id):
        current.refresh_from_db(fields=["variants"])
    hooks.announce_ready(current)
    return current


def photo_fail(photo: Photo, reason: str) -> Photo:
    photo.status = type(photo).Status.FAILED
    photo.failure_reason = reason[:300]
    photo.save(update_fields=["status", "failure_reason"])
    return photo


def photo_files_delete_after_commit(photo: ProcessedPhoto) -> None:
    """Once the caller's transaction commits, delete every file the row names."""
    variants = photo.variants
    original = [photo.original.name] if photo.original else []
    transaction.on_commit(lambda: delete_variant_files(variants))
    transaction.on_commit(lambda: delete_names("private", original))


def photo_relocate(*, model: type[ProcessedPhoto], photo_id: int) -> bool:
    """Move a photo's variant files to the storage it belongs in (`variant_storage()`); True if
    moved.

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
        target = photo.variant_storage()
        if all(alias == target for alias, _name in variant_files(photo.variants)):
            return False
        old = photo.variants
        photo.variants = copy_variants(old, to=target)
        photo.save(update_fields=["variants"])
        new = photo.variants
        transaction.on_commit(lambda: delete_variant_files(old, keep=new))
    return True


def photos_relocate(*, model: type[ProcessedPhoto], photo_ids: Iterable[int]) -> int:
    """`photo_relocate` each photo; returns how many moved.

    A photo whose files cannot be moved (storage down, file missing) does not stop the others;
    the first such error is raised at the end, so the task is retried or the failure logged.
    """
    moved, failure = _relocate_each(model, photo_ids)
    if failure is not None:
        raise failure
    return moved


def photos_relocate_misplaced() -> int:
    """The sweep: move the files of every photo model's photos stored where its rule says they
    do not belong (`misplaced()`), at most PHOTO_RELOCATE_BATCH per model a run (the first run
    after an upgrade may find thousands). Returns how many moved; a model whose files cannot be
    moved does not stop the others."""
    moved, failure = 0, None
    for model in photo_models():
        batch = model.objects.misplaced().order_by("pk").values_list("pk", flat=True)
        count, error = _relocate_each(model, list(batch[: settings.PHOTO_RELOCATE_BATCH]))
        moved, failure = moved + count, failure or error
    if failure is not None:
        raise failure
    return moved


def _relocate_each(model, photo_ids) -> tuple[int, OSError | None]:
    moved, failure = 0, None
    for photo_id in photo_ids:
        try:
            moved += photo_relocate(model=model, photo_id=photo_id)
        except OSError as error:
            logger.warning(
                "Could not move the files of %s %s", model._meta.label, photo_id, exc_info=True
            )
            failure = failure or error
    return moved, failure


def photos_requeue_stale() -> int:
    """The outbox sweep: queue again the photos of every photo model whose task never ran
    (broker or worker down when they came in), and settle as failed those that used up their
    attempts with no task left to say so; returns how many it queued or settled."""
    count = 0
    for model in photo_models():
        count += photos_settle_exhausted(model)
        for photo_id in model.objects.stale().values_list("pk", flat=True).iterator():
            photo_send_processing(model._meta.label, photo_id)
            count += 1
    return count


def photos_settle_exhausted(model: type[ProcessedPhoto]) -> int:
    """Fail the model's photos whose last attempt died unrecorded, so none stays pending."""
    settled = 0
    for photo_id in model.objects.exhausted().values_list("pk", flat=True).iterator():
        with transaction.atomic():
            photo = model.objects.exhausted().select_for_update().filter(pk=photo_id).first()
            if photo is None:  # finished meanwhile
                continue
            reason = _("Processing stopped %(count)d times before it finished.") % {
                "count": photo.attempts
            }
            photo_fail(photo, reason)
            settled += 1
    return settled


def photo_queue_processing(photo: ProcessedPhoto) -> None:
    """Queue the photo's processing once the caller's transaction commits (at once outside one):
    a worker must find the row."""
    label, photo_id = photo._meta.label, photo.pk
    transaction.on_commit(lambda: photo_send_processing(label, photo_id))


def photo_send_processing(model_label: str, photo_id: int) -> None:
    from photos.tasks import process_photo

    queued = enqueue_or_leave_for_sweep(
        process_photo, model_label, photo_id, what=f"photo {photo_id} ({model_label})"
    )
    if queued:
        photo_model(model_label).objects.filter(pk=photo_id).update(queued_at=timezone.now())
