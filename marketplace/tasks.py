"""Queueing shared by every app whose rows double as an outbox."""

import logging

logger = logging.getLogger(__name__)


def enqueue_or_leave_for_sweep(task, *args, what: str) -> None:
    """Queue a task; if the broker is down, log it and let the periodic sweep pick the row up.

    The caller's rows are the outbox, so nothing is lost. With tasks run eagerly (no Redis) a
    failure is a real error in the task itself, and is raised.
    """
    try:
        task.delay(*args)
    except Exception:
        if task.app.conf.task_always_eager:
            raise
        logger.warning("Could not queue %s; the sweep will.", what, exc_info=True)
