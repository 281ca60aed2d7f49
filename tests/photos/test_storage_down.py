"""The media storage down (S3 not answering): a clear 503, and nothing half-stored."""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.storage import storages
from django.urls import reverse

from listings.models import ListingPhoto
from renovations.models import RenovationPhoto, Role, Update
from tests.accounts.factories import AgentFactory
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.renovations.factories import MemberFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

MESSAGE = "Photo storage is not answering, so nothing was saved."


@pytest.fixture
def storage_fails_after(monkeypatch):
    """The private storage saves `n` files, then stops answering as S3 does when it is down."""

    def fail_after(saves: int):
        storage = storages["private"]
        real_save = storage._save
        calls = []

        def save(name, content):
            calls.append(name)
            if len(calls) > saves:
                raise EndpointConnectionError(endpoint_url="http://s3.invalid")
            return real_save(name, content)

        monkeypatch.setattr(storage, "_save", save)

    return fail_after


def test_an_api_upload_answers_503_with_the_reason_and_keeps_nothing(
    api_client, storage_fails_after, photo_storage
):
    listing = ListingFactory()
    api_client.force_authenticate(listing.agent)
    storage_fails_after(0)

    response = api_client.post(
        reverse("listing-photos", args=[listing.pk]),
        {"image": images.upload(images.jpeg(), "a.jpg")},
        format="multipart",
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert MESSAGE in response.json()["detail"]
    assert not ListingPhoto.objects.exists()
    assert photo_storage.files() == []


def test_a_web_upload_that_fails_half_way_answers_503_and_removes_the_first_file(
    client, storage_fails_after, photo_storage, django_capture_on_commit_callbacks
):
    project = ProjectFactory()
    manager = AgentFactory()
    MemberFactory(project=project, user=manager, role=Role.MANAGER)
    client.force_login(manager)
    storage_fails_after(1)  # the first photo is stored, the second is not

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("renovations:update-add", args=[project.pk]),
            {
                "update-note": "水电走完了",
                "update-photos": [
                    images.upload(images.jpeg(), "a.jpg"),
                    images.upload(images.jpeg(640, 480), "b.jpg"),
                ],
            },
        )

    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert not Update.objects.exists()
    assert not RenovationPhoto.objects.exists()
    assert photo_storage.files() == []
    assert callbacks == []  # no task queued for a photo that is not there
