"""A photo uploaded through the API is processed by a real worker through Redis."""

import time
from io import BytesIO

import pytest
from django.core.files.storage import storages
from PIL import Image

from listings.models import ListingPhoto
from marketplace.celery import app as celery_app
from tests.accounts.factories import AgentFactory
from tests.integration.photos import photo_once, processed
from tests.listings.factories import ListingFactory
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _jpeg(width=1600, height=1200) -> BytesIO:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (180, 140, 90)).save(buffer, "JPEG", quality=90)
    buffer.seek(0)
    buffer.name = "flat.jpg"
    return buffer


def test_upload_is_processed_by_the_worker(api_client, celery_worker):
    agent = AgentFactory()
    listing = ListingFactory(agent=agent)
    api_client.force_authenticate(agent)

    response = api_client.post(
        f"/api/v1/listings/{listing.pk}/photos/", {"image": _jpeg()}, format="multipart"
    )

    assert response.status_code == 201
    assert response.json()["status"] == "pending"  # the worker, not the request, does the work
    photo = processed(ListingPhoto, response.json()["id"])
    assert photo.status == ListingPhoto.Status.READY
    detail = api_client.get(f"/api/v1/listings/{listing.pk}/").json()
    large = detail["photos"][0]["variants"]["large"]
    assert (large["width"], large["height"]) == (1600, 1200)
    for variant in photo.variants.values():
        for key in ("webp", "jpeg"):
            with storages["default"].open(variant[key]) as stored:
                assert Image.open(stored).size == (variant["width"], variant["height"])


def test_publishing_a_draft_moves_its_photos_through_the_worker(api_client, celery_worker):
    agent = AgentFactory()
    listing = ListingFactory(agent=agent, draft=True)
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/v1/listings/{listing.pk}/photos/", {"image": _jpeg()}, format="multipart"
    )
    photo = processed(ListingPhoto, response.json()["id"])
    assert {data["storage"] for data in photo.variants.values()} == {"private"}
    private_names = [data["jpeg"] for data in photo.variants.values()]

    published = api_client.patch(f"/api/v1/listings/{listing.pk}/", {"status": "active"})

    assert published.status_code == 200
    photo = photo_once(
        ListingPhoto,
        photo.pk,
        lambda photo: {data.get("storage") for data in photo.variants.values()} == {"default"},
        what="in the default storage",
    )
    for data in photo.variants.values():
        assert storages["default"].exists(data["jpeg"])
    deadline = time.monotonic() + 10  # the old files go once the move has committed
    while any(storages["private"].exists(name) for name in private_names):
        assert time.monotonic() < deadline, "private copies left behind"
        time.sleep(0.1)


def test_a_message_queued_under_the_old_task_name_is_still_processed(celery_worker):
    """Queued before the deploy that brought photos.tasks.process_photo, run by the new worker."""
    photo = ListingPhotoFactory()

    celery_app.send_task("listings.tasks.process_listing_photo", args=[photo.pk])

    assert processed(ListingPhoto, photo.pk).status == ListingPhoto.Status.READY
