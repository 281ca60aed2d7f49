"""Update photos and receipts are private: every URL is access-checked on every request."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from knox.models import AuthToken

from photos import pipeline as photo_pipeline
from photos.tasks import relocate_misplaced_photos
from renovations import services
from renovations.models import RenovationPhoto
from tests.accounts.factories import SuperuserFactory
from tests.photos import images
from tests.renovations.conftest import ACTORS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

MEMBERS = {"owner", "manager", "viewer"}


def photo_urls(photo: RenovationPhoto) -> list[str]:
    return [url for size in photo.sizes.values() for url in (size["url"], size["url_webp"])]


@pytest.fixture
def update_photo(world, django_capture_on_commit_callbacks) -> RenovationPhoto:
    with django_capture_on_commit_callbacks(execute=True):
        update = services.update_post(
            project=world.project,
            by=world.manager,
            note="Tiles",
            photos=[images.upload(images.jpeg(900, 600))],
        )
    return update.photos.get()


@pytest.fixture
def receipt(world, django_capture_on_commit_callbacks) -> RenovationPhoto:
    with django_capture_on_commit_callbacks(execute=True):
        expense = services.expense_add(
            project=world.project,
            by=world.manager,
            data={"amount": 300, "category": "materials", "spent_on": world.expense.spent_on},
            receipt=images.upload(images.jpeg(image=images.picture(600, 900, "tan"))),
        )
    return RenovationPhoto.objects.get(expense=expense)


def get_as(client, world, actor: str, url: str):
    client.logout()
    user = world.user(actor)
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("kind", ["update_photo", "receipt"])
def test_only_the_owner_and_members_open_a_photo(client, world, request, actor, kind):
    photo = request.getfixturevalue(kind)
    expected = 200 if actor in MEMBERS else 404

    for url in photo_urls(photo):
        assert url.startswith(f"/private-media/renovations/{world.project.pk}/{photo.pk}/")
        response = get_as(client, world, actor, url)
        assert response.status_code == expected, (actor, url)
        if expected == 200:
            assert response["Content-Type"] in ("image/jpeg", "image/webp")
            assert response["Cache-Control"] == "private, no-cache"
            assert b"".join(response.streaming_content)[:2] in (b"\xff\xd8", b"RI")


def test_a_superuser_who_is_not_a_member_gets_a_404_too(client, update_photo):
    # Renovations are the owner's business: the admin shows no photos, and neither does this.
    client.force_login(SuperuserFactory())
    assert client.get(photo_urls(update_photo)[0]).status_code == 404


@pytest.mark.parametrize("kind", ["update_photo", "receipt"])
def test_a_removed_member_loses_a_url_that_worked(client, world, request, kind):
    photo = request.getfixturevalue(kind)
    url = photo_urls(photo)[0]
    client.force_login(world.viewer)
    assert client.get(url).status_code == 200

    services.member_remove(member=world.viewer_member, by=world.owner)

    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 404


def test_an_api_token_opens_the_photos_of_the_members_projects_only(client, world, update_photo):
    """The apps load the URLs the API gives them with their token, not a session."""
    url = photo_urls(update_photo)[0]
    _token, key = AuthToken.objects.create(world.viewer)
    _other, other_key = AuthToken.objects.create(world.other_buyer)

    assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {other_key}").status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Token not-a-token").status_code == 404

    services.member_remove(member=world.viewer_member, by=world.owner)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 404


def test_the_api_and_the_page_give_only_private_urls(api_client, client, world, update_photo):
    api_client.force_authenticate(world.owner)
    listed = api_client.get(f"/api/v1/renovations/{world.project.pk}/updates/").json()
    variants = listed[0]["photos"][0]["variants"]
    prefix = f"http://testserver/private-media/renovations/{world.project.pk}/"
    assert all(v["url"].startswith(prefix) for v in variants.values())
    assert all(v["url_webp"].startswith(prefix) for v in variants.values())

    client.force_login(world.viewer)
    page = client.get(world.project.get_absolute_url()).content.decode()
    assert f"/private-media/renovations/{world.project.pk}/{update_photo.pk}/" in page
    assert '"/media/' not in page


def test_members_still_see_when_a_photo_was_taken(
    api_client, world, django_capture_on_commit_callbacks
):
    from datetime import datetime

    exif = images.photo_exif(taken=datetime(2026, 11, 28, 9, 30))  # noqa: DTZ001 - EXIF has no zone
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(
            project=world.project,
            by=world.manager,
            note="x",
            photos=[images.upload(images.jpeg(900, 600, exif=exif))],
        )
    api_client.force_authenticate(world.viewer)
    listed = api_client.get(f"/api/v1/renovations/{world.project.pk}/updates/").json()
    assert listed[0]["photos"][0]["captured_at"].startswith("2026-11-28T09:30:00+08:00")


# --- photos stored publicly before private storage existed ---------------------------------


def make_public_like_before(photo: RenovationPhoto) -> RenovationPhoto:
    """As deployments before this change stored them: public files, no "storage" recorded."""
    variants = {}
    for name, data in photo.variants.items():
        entry = {key: value for key, value in data.items() if key != "storage"}
        for key in ("webp", "jpeg"):
            with storages["private"].open(data[key]) as file:
                storages["default"].save(data[key], ContentFile(file.read()))
            storages["private"].delete(data[key])
        variants[name] = entry
    RenovationPhoto.objects.filter(pk=photo.pk).update(variants=variants)
    photo.refresh_from_db()
    return photo


def test_the_sweep_moves_old_public_photos_into_private_storage(
    client, world, update_photo, receipt, photo_storage, django_capture_on_commit_callbacks
):
    old = make_public_like_before(update_photo)
    make_public_like_before(receipt)
    public_files = [f"media/{data['jpeg']}" for data in old.variants.values()]
    assert set(public_files) <= set(photo_storage.files())
    assert photo_urls(old)[0].startswith("/media/")

    with django_capture_on_commit_callbacks(execute=True):
        assert relocate_misplaced_photos.delay().get() == 2

    assert not [name for name in photo_storage.files() if name.startswith("media/")]
    moved = RenovationPhoto.objects.get(pk=old.pk)
    assert all(data["storage"] == "private" for data in moved.variants.values())
    client.force_login(world.viewer)
    assert all(client.get(url).status_code == 200 for url in photo_urls(moved))
    client.force_login(world.other_buyer)
    assert client.get(photo_urls(moved)[0]).status_code == 404
    # Idempotent: nothing left to move, nothing touched.
    files = photo_storage.files()
    with django_capture_on_commit_callbacks(execute=True):
        assert relocate_misplaced_photos.delay().get() == 0
    assert photo_storage.files() == files


def test_the_sweep_moves_a_batch_per_run(world, update_photo, receipt, settings):
    make_public_like_before(update_photo)
    make_public_like_before(receipt)
    settings.PHOTO_RELOCATE_BATCH = 1

    assert photo_pipeline.photos_relocate_misplaced() == 1
    assert photo_pipeline.photos_relocate_misplaced() == 1
    assert photo_pipeline.photos_relocate_misplaced() == 0


def test_deleting_an_expense_deletes_its_private_receipt_files(
    world, receipt, photo_storage, django_capture_on_commit_callbacks
):
    assert any(f"/{receipt.pk}/" in name for name in photo_storage.files())

    with django_capture_on_commit_callbacks(execute=True):
        services.expense_delete(expense=receipt.expense, by=world.owner)

    assert not [name for name in photo_storage.files() if name.startswith("private-media/")]
