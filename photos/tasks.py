"""The photo tasks of every app: one processing task and two sweeps, for any photo model."""

from celery import shared_task

from marketplace.tasks import PHOTO_TASK, SWEEP_TASK
from photos import pipeline
from photos.models import photo_model


@shared_task(**PHOTO_TASK)
def process_photo(model_label: str, photo_id: int) -> str:
    """Make a photo's missing variants; safe to run twice, quiet if the photo is gone.

    `model_label` names its model ("listings.ListingPhoto"): `photo._meta.label`.
    """
    photo = pipeline.photo_process(model=photo_model(model_label), photo_id=photo_id)
    return photo.status if photo else "gone"


# Only queues ids: quick, and the next run (a minute on) does what this one could not.
REQUEUE_TASK = {"soft_time_limit": 60, "time_limit": 90}


@shared_task(**REQUEUE_TASK)
def requeue_stale_photos() -> int:
    return pipeline.photos_requeue_stale()


@shared_task(**SWEEP_TASK)
def relocate_misplaced_photos() -> int:
    return pipeline.photos_relocate_misplaced()


# --- the names these tasks had when each app had its own, kept for one release -----------------
# Messages queued under them before the deploy that brought the shared tasks may still be in
# Redis when the new workers start, and a beat not yet restarted sends the old sweeps' names:
# without these a worker drops them as unregistered (the photo waits for the stale sweep). Remove
# them in the release after.
RENAMED_PROCESSING = {
    "listings.tasks.process_listing_photo": "listings.ListingPhoto",
    "renovations.tasks.process_renovation_photo": "renovations.RenovationPhoto",
}
RENAMED_SWEEPS = {
    "listings.tasks.requeue_stale_photos": (requeue_stale_photos, REQUEUE_TASK),
    "renovations.tasks.requeue_stale_renovation_photos": (requeue_stale_photos, REQUEUE_TASK),
    "listings.tasks.relocate_misplaced_listing_photos": (relocate_misplaced_photos, SWEEP_TASK),
    "renovations.tasks.relocate_misplaced_renovation_photos": (
        relocate_misplaced_photos,
        SWEEP_TASK,
    ),
}


def _process_under_old_name(old_name: str, model_label: str):
    @shared_task(name=old_name, **PHOTO_TASK)
    def process_one_models_photo(photo_id: int) -> str:
        return process_photo(model_label, photo_id)

    return process_one_models_photo


def _sweep_under_old_name(old_name: str, sweep, options: dict):
    @shared_task(name=old_name, **options)
    def sweep_every_photo_model() -> int:
        return sweep()

    return sweep_every_photo_model


RENAMED_TASKS = {
    **{name: _process_under_old_name(name, label) for name, label in RENAMED_PROCESSING.items()},
    **{name: _sweep_under_old_name(name, *sweep) for name, sweep in RENAMED_SWEEPS.items()},
}
