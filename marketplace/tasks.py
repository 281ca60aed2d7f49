"""Queueing shared by every app whose rows double as an outbox."""

import logging

from django.db import DatabaseError
from kombu.exceptions import OperationalError

from marketplace.errors import storage_errors

logger = logging.getLogger(__name__)


def enqueue_or_leave_for_sweep(task, *args, what: str) -> bool:
    """Queue a task; if the broker is down, log it and let the periodic sweep pick the row up.

    The caller's rows are the outbox, so nothing is lost; returns whether the task was queued,
    for callers whose sweep treats rows never queued sooner than rows whose task went missing.
    With tasks run eagerly (no Redis) a failure is a real error in the task itself, and is raised.
    """
    try:
        task.delay(*args)
    except OperationalError as error:
        if task.app.conf.task_always_eager:
            raise
        # The broker is down (refused, timed out): expected in an outage, so one line each.
        logger.warning("Could not queue %s (%s); the sweep will.", what, error)
        return False
    except Exception:
        if task.app.conf.task_always_eager:
            raise
        logger.warning("Could not queue %s; the sweep will.", what, exc_info=True)
        return False
    return True


# Celery options shared by tasks of the same kind (`@shared_task(**PHOTO_TASK)`).
PHOTO_TASK = {
    # Storage (disk or S3) and database hiccups pass; a file that cannot be read fails the photo.
    "autoretry_for": (*storage_errors(), ConnectionError, TimeoutError, DatabaseError),
    "retry_backoff": 5,
    # A retry waits in its worker until due, unacknowledged: its wait and its run must stay
    # under the photos queue's 45 s visibility timeout, or Redis hands it to a second worker
    # meanwhile (harmless, processing is idempotent, but twice the work). Longer outages are
    # the sweep's: it queues the photo again while it has attempts left.
    "retry_backoff_max": 20,
    "retry_jitter": True,
    "max_retries": 5,
    # Under the photos queue's visibility timeout (settings.CELERY_PHOTOS_VISIBILITY_TIMEOUT),
    # or Redis would hand a running task to a second worker. The worst accepted photo takes
    # about 1.5 s of CPU (bench/photo_cost.py); the rest is storage.
    "soft_time_limit": 30,
    "time_limit": 40,
}
# Idempotent periodic sweeps: a retried or late run changes nothing more.
SWEEP_TASK = {
    "autoretry_for": (ConnectionError, TimeoutError, DatabaseError),
    "retry_backoff": 10,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "soft_time_limit": 240,
    "time_limit": 300,
}
