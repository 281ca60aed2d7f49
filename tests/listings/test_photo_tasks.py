from contextlib import contextmanager, suppress
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from listings import services
from listings.models import ListingPhoto
from marketplace.celery import app as celery_app
from photos import pipeline as photo_pipeline
from photos.tasks import process_photo, requeue_stale_photos
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]


def make_old(*photos, minutes=10):
    ListingPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


@contextmanager
def broker_down():
    """Celery as in production, with Redis refusing connections."""

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(process_photo, "delay", refused)
            yield
    finally:
        celery_app.conf.task_always_eager = eager


@pytest.fixture
def queued(monkeypatch):
    """The ids handed to the broker, which does nothing with them."""
    sent = []
    monkeypatch.setattr(process_photo, "delay", lambda label, photo_id: sent.append(photo_id))
    return sent


def test_an_upload_while_the_broker_is_down_waits_for_the_sweep(
    caplog, django_capture_on_commit_callbacks
):
    listing = ListingFactory()

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        photo = services.photo_add(
            listing=listing, upload=images.upload(images.jpeg()), by=listing.agent
        )

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.PENDING
    assert photo.attempts == 0
    assert f"Could not queue photo {photo.pk}" in caplog.text

    assert photo.queued_at is None  # the outbox says: never reached the broker

    # Too recent for the sweep: its task may still be on its way.
    assert requeue_stale_photos() == 0
    # Past the 30 s grace the next sweep (every minute) queues it: not after five minutes.
    make_old(photo, minutes=1)

    assert requeue_stale_photos() == 1

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.READY
    assert set(photo.variants) == {"large", "medium", "thumb"}


def test_a_queued_photo_is_marked_and_queued_again_only_once_its_message_looks_lost(queued):
    never_queued = ListingPhotoFactory()
    make_old(never_queued, minutes=1)
    photo_pipeline.photo_send_processing("listings.ListingPhoto", never_queued.pk)
    never_queued.refresh_from_db()
    assert never_queued.queued_at is not None
    assert requeue_stale_photos() == 0  # queued a moment ago: on its way

    ListingPhoto.objects.filter(pk=never_queued.pk).update(
        queued_at=timezone.now() - timedelta(minutes=6)
    )
    assert requeue_stale_photos() == 1  # still pending five minutes on: its message was lost
    assert queued == [never_queued.pk, never_queued.pk]


def test_the_sweep_goes_on_when_the_broker_is_still_down():
    photos = ListingPhotoFactory.create_batch(2)
    make_old(*photos)

    with broker_down():
        assert requeue_stale_photos() == 2

    assert set(ListingPhoto.objects.values_list("status", flat=True)) == {"pending"}


def test_the_sweep_requeues_old_pending_photos_with_attempts_left_and_settles_the_rest(
    settings, queued
):
    stale = ListingPhotoFactory()
    stale_once_tried = ListingPhotoFactory(attempts=settings.PHOTO_MAX_ATTEMPTS - 1)
    recent = ListingPhotoFactory()
    failed = ListingPhotoFactory(status=ListingPhoto.Status.FAILED, failure_reason="Broken.")
    ready = ListingPhotoFactory(ready=True)
    out_of_attempts = ListingPhotoFactory(attempts=settings.PHOTO_MAX_ATTEMPTS)
    make_old(stale, stale_once_tried, failed, ready, out_of_attempts)
    # Queued 4 minutes ago and still pending: maybe behind a flood of photos, so left alone
    # until PHOTO_STALE_AFTER_SECONDS (5 minutes) say its message was lost.
    make_old(recent, minutes=4)
    ListingPhoto.objects.filter(pk=recent.pk).update(
        queued_at=timezone.now() - timedelta(minutes=4)
    )

    assert requeue_stale_photos() == 3  # two queued, one settled

    assert sorted(queued) == [stale.pk, stale_once_tried.pk]
    out_of_attempts.refresh_from_db()
    assert out_of_attempts.status == ListingPhoto.Status.FAILED


def test_the_photo_task_retries_passing_failures_with_backoff_and_has_time_limits(settings):
    task = process_photo

    assert OSError in task.autoretry_for
    assert ConnectionError in task.autoretry_for
    assert task.retry_backoff
    assert task.retry_jitter
    assert task.max_retries == 5
    assert task.soft_time_limit < task.time_limit
    # A retry waits in the worker unacknowledged: short enough that Redis does not hand it to
    # a second worker (the photos queue's visibility timeout is 45 s).
    assert task.retry_backoff_max <= 20
    # Every run counts an attempt: a photo that keeps failing ends failed, not pending forever.
    assert task.max_retries >= settings.PHOTO_MAX_ATTEMPTS


@pytest.fixture
def retries_run_inline():
    """Eager Celery raises Retry to the caller unless told to run the retry in place."""
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = propagates


@pytest.mark.usefixtures("retries_run_inline")
def test_a_passing_storage_failure_is_retried(monkeypatch):
    photo = ListingPhotoFactory()
    store = photo_pipeline.store_variants
    failures = [OSError("S3 said 503 Slow Down")]

    def flaky_store(*args, **kwargs):
        if failures:
            raise failures.pop()
        return store(*args, **kwargs)

    monkeypatch.setattr(photo_pipeline, "store_variants", flaky_store)

    assert process_photo.delay("listings.ListingPhoto", photo.pk).get() == ListingPhoto.Status.READY

    photo.refresh_from_db()
    assert (photo.status, photo.attempts) == (ListingPhoto.Status.READY, 2)


@pytest.mark.usefixtures("retries_run_inline")
def test_a_lasting_storage_failure_ends_failed_with_a_reason(settings, monkeypatch):
    photo = ListingPhotoFactory()

    def broken_store(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(photo_pipeline, "store_variants", broken_store)

    assert (
        process_photo.delay("listings.ListingPhoto", photo.pk).get() == ListingPhoto.Status.FAILED
    )

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.FAILED
    assert photo.attempts == settings.PHOTO_MAX_ATTEMPTS
    assert photo.failure_reason == "Processing stopped 3 times before it finished."


def test_the_sweep_task_has_time_limits():
    assert requeue_stale_photos.soft_time_limit < requeue_stale_photos.time_limit


def test_a_task_lost_with_its_worker_is_delivered_again():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    # Redis redelivers an unacknowledged task only after this, so it must outlast any run.
    assert conf.broker_transport_options["visibility_timeout"] > process_photo.time_limit


def test_the_sweep_runs_on_a_schedule():
    schedule = celery_app.conf.beat_schedule["requeue-stale-photos"]

    assert schedule["task"] == "photos.tasks.requeue_stale_photos"
    assert schedule["schedule"] > 0


@pytest.mark.django_db(transaction=True)
def test_a_failed_eager_task_never_deletes_a_committed_photos_original(monkeypatch):
    listing = ListingFactory()

    def broken_store(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(photo_pipeline, "store_variants", broken_store)

    with suppress(Exception):
        services.photo_add(listing=listing, upload=images.upload(images.jpeg()), by=listing.agent)

    photo = ListingPhoto.objects.get()
    assert photo.original.storage.exists(photo.original.name)


class WorkerKilled(BaseException):
    """What the task sees of a worker killed mid-photo (out of memory, say): nothing returns."""


def test_a_file_that_kills_the_worker_ends_failed_after_the_attempt_cap(settings, monkeypatch):
    photo = ListingPhotoFactory()

    def killed(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(photo_pipeline, "render_variants", killed)
    for _delivery in range(settings.PHOTO_MAX_ATTEMPTS):  # acks_late: Redis redelivers each time
        with pytest.raises(WorkerKilled):
            photo_pipeline.photo_process(model=ListingPhoto, photo_id=photo.pk)
    photo.refresh_from_db()
    assert (photo.status, photo.attempts) == (ListingPhoto.Status.PENDING, 3)

    # the next delivery gives up instead of looping

    photo_pipeline.photo_process(model=ListingPhoto, photo_id=photo.pk)

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.FAILED
    assert "3 times" in photo.failure_reason
