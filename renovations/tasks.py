from celery import shared_task

from marketplace.tasks import PHOTO_TASK, SWEEP_TASK
from renovations import services


@shared_task(bind=True, **PHOTO_TASK)
def process_renovation_photo(self, photo_id: int) -> str:
    """Make an update or receipt photo's missing variants; safe to run twice."""
    photo = services.photo_process(photo_id=photo_id)
    return photo.status if photo else "gone"


@shared_task(soft_time_limit=60, time_limit=90)
def requeue_stale_renovation_photos() -> int:
    return services.photos_requeue_stale()


@shared_task(**SWEEP_TASK)
def relocate_misplaced_renovation_photos() -> int:
    return services.photos_relocate_misplaced()
