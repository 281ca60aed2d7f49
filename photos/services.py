"""Writes of the photos app: keeping uploads as photo rows of any app, and how many photos one
person may send (the upload budgets)."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import StorageUnavailable, storage_errors
from marketplace.limits import check_recent_count, lock_user
from photos.models import PhotoUpload, ProcessedPhoto
from photos.pipeline import photo_queue_processing
from photos.validation import CheckedImage

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def photo_uploads_check(*, user, count: int, field: str | None = None) -> None:
    """Refuse `count` more photos from this person if they would pass the hourly or daily budget
    (raises LimitExceeded, which says when to try again). Only reads: call it before checking the
    files, so a refused batch costs no decoding; `photo_uploads_record` decides for sure."""
    if count <= 0:
        return
    recent = PhotoUpload.objects.filter(user=user)
    for limit, window, message in (
        (
            settings.PHOTO_UPLOADS_PER_HOUR,
            HOUR,
            _("You may upload at most %(limit)d photos in an hour."),
        ),
        (
            settings.PHOTO_UPLOADS_PER_DAY,
            DAY,
            _("You may upload at most %(limit)d photos in a day."),
        ),
    ):
        check_recent_count(
            recent,
            time_field="received_at",
            limit=limit,
            window=window,
            message=message % {"limit": limit},
            adding=count,
            field=field,
        )


def photo_uploads_record(*, user, count: int, field: str | None = None) -> None:
    """Count `count` photos against the person's budgets, or refuse them all.

    Call it inside the transaction that stores the photos, before storing anything: the person's
    row stays locked until it ends (a burst of requests cannot pass the budget), and the record
    goes with the photos if the transaction rolls back.
    """
    if count <= 0:
        return
    lock_user(user)
    photo_uploads_check(user=user, count=count, field=field)
    now = timezone.now()
    # Rows past the longest window count for nothing: each person's are pruned as they upload.
    PhotoUpload.objects.filter(user=user, received_at__lte=now - DAY).delete()
    PhotoUpload.objects.bulk_create(
        [PhotoUpload(user_id=user.pk, received_at=now) for _photo in range(count)]
    )


Store = Callable[[ProcessedPhoto, CheckedImage], ProcessedPhoto]


@contextmanager
def photos_storing() -> Iterator[Store]:
    """A transaction in which `store(photo, checked)` keeps an upload that passed the checks
    (photos.validation) as the new, unsaved `photo` row, its original in the private storage.

    All or none: if anything in the block fails, the commit included, the originals stored in
    it are deleted and the error raised. Each photo's processing is queued once the outermost
    transaction commits. Count the uploads (`photo_uploads_record`) in the same block first.
    """
    stored = []

    def store(photo: ProcessedPhoto, checked: CheckedImage) -> ProcessedPhoto:
        photo.content_hash = checked.sha256
        photo.width, photo.height = checked.width, checked.height
        try:
            photo.original.save(
                f"original{checked.extension}", ContentFile(checked.content), save=False
            )
        except storage_errors() as error:
            raise StorageUnavailable from error
        stored.append(photo)
        photo.full_clean(exclude=["original"])
        photo.save()
        return photo

    try:
        with transaction.atomic():
            yield store
    except Exception:
        for photo in stored:
            _delete_original(photo)
        raise
    # Queued past the block: run eagerly at its commit, a failing task would otherwise be taken
    # for a failed store and delete the originals of committed rows.
    for photo in stored:
        photo_queue_processing(photo)


def _delete_original(photo: ProcessedPhoto) -> None:
    """Undo one stored original; with the storage down too, the row is gone all the same (the
    file is unreferenced), so log its name and go on undoing the others."""
    try:
        photo.original.storage.delete(photo.original.name)
    except storage_errors():
        logger.warning("Could not delete the unsaved upload %s", photo.original.name, exc_info=True)
