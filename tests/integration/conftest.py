import pytest
from celery.contrib.testing.worker import start_worker

from marketplace.celery import app as celery_app


@pytest.fixture
def celery_worker():
    """A real worker thread consuming from the machine's Redis."""
    celery_app.conf.task_always_eager = False
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"
    ) as worker:
        yield worker
