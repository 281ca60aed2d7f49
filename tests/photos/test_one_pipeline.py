"""Every photo model goes through the same code: storing, one task, one sweep of each kind.

A new photo-bearing app plugs in with a model (a `ProcessedPhoto` with its folder, the object its
files belong to, and an access check registered with photos.access) and nothing else.
"""

import re
from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone

from listings import services as listing_services
from listings.models import ListingPhoto
from marketplace.celery import app as celery_app
from photos import pipeline
from photos.access import registered_owners
from photos.models import photo_models
from photos.tasks import (
    RENAMED_PROCESSING,
    RENAMED_SWEEPS,
    process_photo,
    relocate_misplaced_photos,
    requeue_stale_photos,
)
from renovations import services as renovation_services
from renovations.models import RenovationPhoto, Role
from tests.accounts.factories import AgentFactory
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory
from tests.renovations.factories import MemberFactory, ProjectFactory, RenovationPhotoFactory

pytestmark = pytest.mark.django_db

ORIGINAL_NAME = r"{prefix}/{object_id}/originals/[0-9a-f]{{32}}\.jpg"


@pytest.fixture
def manager_and_project():
    project = ProjectFactory()
    manager = AgentFactory()
    MemberFactory(project=project, user=manager, role=Role.MANAGER)
    return manager, project


def test_every_photo_model_names_its_folder_and_registers_who_may_see_it():
    assert {ListingPhoto, RenovationPhoto} <= set(photo_models())
    for model in photo_models():
        owner = model._meta.get_field(model.files_object)
        assert isinstance(owner, models.ForeignKey), model
        assert model.files_prefix in registered_owners(), model
        assert model._meta.get_field(model.received_field), model


def test_originals_keep_their_names_and_variants_sit_beside_them(
    manager_and_project, django_capture_on_commit_callbacks
):
    """The upload path moved into photos: the names are the ones every stored file has."""
    listing = ListingFactory()
    manager, project = manager_and_project

    with django_capture_on_commit_callbacks(execute=True):
        listing_photo = listing_services.photo_add(
            listing=listing, upload=images.upload(images.jpeg()), by=listing.agent
        )
        update = renovation_services.update_post(
            project=project, by=manager, note="x", photos=[images.upload(images.jpeg())]
        )
    renovation_photo = update.photos.get()
    renovation_photo.refresh_from_db()

    for photo, prefix, object_id in (
        (listing_photo, "listings", listing.pk),
        (renovation_photo, "renovations", project.pk),
    ):
        pattern = ORIGINAL_NAME.format(prefix=prefix, object_id=object_id)
        assert re.fullmatch(pattern, photo.original.name), photo.original.name
        assert photo.original.storage.exists(photo.original.name)
        for data in photo.variants.values():
            assert data["jpeg"].startswith(f"{prefix}/{object_id}/{photo.pk}/")


def test_a_failure_after_storing_deletes_every_original_of_the_block(
    manager_and_project, photo_storage, monkeypatch
):
    manager, project = manager_and_project

    def told_nobody(*args, **kwargs):
        raise ConnectionError("the notification could not be written")

    monkeypatch.setattr(renovation_services, "_tell", told_nobody)
    uploads = [
        images.upload(images.jpeg(image=images.picture(colour=colour)), f"{colour}.jpg")
        for colour in ("olive", "plum")
    ]

    with pytest.raises(ConnectionError):
        renovation_services.update_post(project=project, by=manager, note="x", photos=uploads)

    assert not RenovationPhoto.objects.exists()
    assert photo_storage.files() == []


def test_one_task_processes_a_photo_of_any_model(manager_and_project, monkeypatch):
    manager, project = manager_and_project
    monkeypatch.setattr(pipeline, "photo_send_processing", lambda label, photo_id: None)
    listing_photo = ListingPhotoFactory()
    update = renovation_services.update_post(
        project=project, by=manager, note="x", photos=[images.upload(images.jpeg())]
    )
    renovation_photo = update.photos.get()

    assert process_photo(listing_photo._meta.label, listing_photo.pk) == "ready"
    assert process_photo(renovation_photo._meta.label, renovation_photo.pk) == "ready"
    assert process_photo("renovations.RenovationPhoto", 987_654) == "gone"
    with pytest.raises(LookupError):
        process_photo("listings.Listing", listing_photo.listing_id)


def test_the_stale_sweep_queues_every_models_photos_by_label(manager_and_project, monkeypatch):
    manager, project = manager_and_project
    sent = []
    monkeypatch.setattr(process_photo, "delay", lambda *args: sent.append(args))
    listing_photo = ListingPhotoFactory()
    update = renovation_services.update_post(
        project=project, by=manager, note="x", photos=[images.upload(images.jpeg())]
    )
    renovation_photo = update.photos.get()
    sent.clear()
    long_ago = timezone.now() - timedelta(minutes=10)
    ListingPhoto.objects.update(created_at=long_ago)
    RenovationPhoto.objects.update(received_at=long_ago)

    assert requeue_stale_photos() == 2

    assert sorted(sent) == sorted(
        [
            ("listings.ListingPhoto", listing_photo.pk),
            ("renovations.RenovationPhoto", renovation_photo.pk),
        ]
    )


def without_recorded_storage(photo):
    """As deployments older than private storage recorded variants: public, no "storage"."""
    old = {name: {**data} for name, data in photo.variants.items()}
    for data in old.values():
        data.pop("storage", None)
    type(photo).objects.filter(pk=photo.pk).update(variants=old)


def test_the_relocation_sweep_goes_on_to_the_next_model_when_one_fails(monkeypatch):
    moved = []

    def relocate(*, model, photo_id):
        if model is ListingPhoto:
            raise OSError("S3 said 503 Slow Down")
        moved.append((model, photo_id))
        return True

    monkeypatch.setattr(pipeline, "photo_relocate", relocate)
    draft_photo = ListingPhotoFactory(ready=True, listing=ListingFactory(draft=True))
    renovation_photo = RenovationPhotoFactory()
    without_recorded_storage(draft_photo)
    without_recorded_storage(renovation_photo)

    with pytest.raises(OSError, match="Slow Down"):
        relocate_misplaced_photos()

    assert moved == [(RenovationPhoto, renovation_photo.pk)]


def test_the_old_task_names_run_the_shared_tasks_for_one_release(monkeypatch):
    """Messages queued under the per-app names before the deploy must still run after it."""
    monkeypatch.setattr(pipeline, "photo_send_processing", lambda label, photo_id: None)
    photo = ListingPhotoFactory()
    tasks = celery_app.tasks

    assert set(RENAMED_PROCESSING) | set(RENAMED_SWEEPS) <= set(tasks)
    assert tasks["listings.tasks.process_listing_photo"].delay(photo.pk).get() == "ready"
    assert tasks["renovations.tasks.process_renovation_photo"].delay(987_654).get() == "gone"
    for name in RENAMED_SWEEPS:
        assert tasks[name].delay().get() == 0
    assert tasks["listings.tasks.process_listing_photo"].max_retries == process_photo.max_retries


def test_beat_runs_one_sweep_of_each_kind_for_every_photo_model(settings):
    photo_sweeps = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if "photo" in entry["task"]
    }
    assert photo_sweeps == {
        "photos.tasks.requeue_stale_photos",
        "photos.tasks.relocate_misplaced_photos",
    }


def test_the_sweep_settles_a_photo_whose_last_attempt_died_with_its_task(settings, monkeypatch):
    """Three workers killed on it, the last one's message lost: failed, never pending for ever."""
    sent = []
    monkeypatch.setattr(process_photo, "delay", lambda *args: sent.append(args))
    exhausted = ListingPhotoFactory(attempts=settings.PHOTO_MAX_ATTEMPTS)
    stale = ListingPhotoFactory(attempts=1)
    running = ListingPhotoFactory(attempts=settings.PHOTO_MAX_ATTEMPTS)  # its last try, now
    long_ago = timezone.now() - timedelta(minutes=10)
    ListingPhoto.objects.exclude(pk=running.pk).update(created_at=long_ago)

    assert requeue_stale_photos() == 2

    exhausted.refresh_from_db()
    assert exhausted.status == ListingPhoto.Status.FAILED
    assert "stopped 3 times" in exhausted.failure_reason
    assert sent == [("listings.ListingPhoto", stale.pk)]
    running.refresh_from_db()
    assert running.status == ListingPhoto.Status.PENDING


def test_photo_processing_has_its_own_queue_and_everything_else_the_default():
    routes = celery_app.amqp.router

    def queue_of(name):
        return routes.route({}, name)["queue"].name

    assert queue_of("photos.tasks.process_photo") == "photos"
    for old_name in RENAMED_PROCESSING:
        assert queue_of(old_name) == "photos"
    for other in (
        "notifications.tasks.send_due_notification_emails",
        "photos.tasks.requeue_stale_photos",
        "listings.tasks.relocate_listing_photos",
        "alerts.tasks.match_saved_searches",
    ):
        assert queue_of(other) == "default"


def test_a_photo_task_ends_before_a_photo_worker_would_hand_it_to_another():
    from django.conf import settings as django_settings

    photo_visibility = 45  # docs/deploy.md: CELERY_VISIBILITY_TIMEOUT of the photo workers
    assert process_photo.time_limit < photo_visibility
    assert process_photo.soft_time_limit < process_photo.time_limit
    assert django_settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True


def test_processing_retries_when_the_object_storage_does_not_answer():
    from botocore.exceptions import BotoCoreError, ClientError

    assert issubclass(BotoCoreError, process_photo.autoretry_for)
    assert issubclass(ClientError, process_photo.autoretry_for)
    assert OSError in process_photo.autoretry_for
