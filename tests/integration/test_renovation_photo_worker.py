"""An update photo posted through the API is processed by a real worker through Redis."""

from datetime import datetime

import pytest
from django.core.files.storage import storages
from django.utils import timezone
from PIL import Image

from renovations.models import RenovationPhoto, Role
from tests.accounts.factories import AgentFactory
from tests.integration.photos import processed
from tests.photos import images
from tests.renovations.factories import MemberFactory, ProjectFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_update_photo_is_processed_by_the_worker(api_client, celery_worker):
    project = ProjectFactory()
    agent = AgentFactory()
    MemberFactory(project=project, user=agent, role=Role.MANAGER)
    taken = datetime(2026, 11, 30, 16, 45)  # noqa: DTZ001 - EXIF has no zone
    jpeg = images.jpeg(1600, 1200, exif=images.photo_exif(taken=taken, gps=(47.3, 130.3)))
    api_client.force_authenticate(agent)

    response = api_client.post(
        f"/api/v1/renovations/{project.pk}/updates/",
        {"note": "地砖铺好了", "photos": [images.upload(jpeg, "floor.jpg")]},
        format="multipart",
    )

    assert response.status_code == 201
    [posted] = response.json()["photos"]
    assert posted["status"] == "pending"  # the worker, not the request, does the work
    photo = processed(RenovationPhoto, posted["id"])
    assert photo.status == RenovationPhoto.Status.READY
    assert photo.captured_at == timezone.make_aware(taken)
    for variant in photo.variants.values():
        for key in ("webp", "jpeg"):
            assert variant["storage"] == "private"
            with storages["private"].open(variant[key]) as stored:
                served = Image.open(stored)
                assert served.size == (variant["width"], variant["height"])
                assert not served.getexif()
