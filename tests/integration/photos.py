"""Waiting for a real worker to finish with a photo of any model."""

import time
from collections.abc import Callable

from photos.models import ProcessedPhoto


def photo_once(
    model: type[ProcessedPhoto],
    photo_id: int,
    done: Callable[[ProcessedPhoto], bool],
    *,
    what: str,
    seconds: float = 30,
) -> ProcessedPhoto:
    """The photo row as soon as `done(photo)`; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        photo = model.objects.get(pk=photo_id)
        if done(photo):
            return photo
        time.sleep(0.1)
    raise AssertionError(f"{model._meta.label} {photo_id} not {what} after {seconds} s")


def processed(model: type[ProcessedPhoto], photo_id: int) -> ProcessedPhoto:
    return photo_once(
        model, photo_id, lambda photo: photo.status != model.Status.PENDING, what="processed"
    )
