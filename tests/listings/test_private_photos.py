"""A draft's photos are private to its agent; a published listing's are public and cacheable.

Crossing the draft line moves the files (a task queued after commit; a sweep for anything
missed), and until they have moved the access-checked URL serves whoever may see the listing.
"""

from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from listings import services
from listings.models import Listing, ListingPhoto
from photos.tasks import relocate_misplaced_photos
from photos.variants import PRIVATE, PUBLIC
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.listings.factories import ListingFactory
from tests.photos import images

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

Status = Listing.Status


def add_photo(listing, capture, colour="steelblue", exif=None) -> ListingPhoto:
    content = images.jpeg(image=images.picture(900, 600, colour), exif=exif)
    with capture(execute=True):
        photo = services.photo_add(listing=listing, upload=images.upload(content), by=listing.agent)
    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.READY
    return photo


def urls(photo: ListingPhoto) -> list[str]:
    return [url for size in photo.sizes.values() for url in (size["url"], size["url_webp"])]


def storages_of(photo: ListingPhoto) -> set[str]:
    photo.refresh_from_db()
    return {data["storage"] for data in photo.variants.values()}


def files_in(storage_alias: str, photo: ListingPhoto) -> list[str]:
    return [
        data[key]
        for data in photo.variants.values()
        for key in ("webp", "jpeg")
        if storages[storage_alias].exists(data[key])
    ]


@pytest.fixture
def draft():
    return ListingFactory(draft=True)


@pytest.fixture
def draft_photo(draft, django_capture_on_commit_callbacks):
    return add_photo(draft, django_capture_on_commit_callbacks)


ACTORS = {
    "its agent": lambda listing: listing.agent,
    "another agent": lambda listing: AgentFactory(),
    "a buyer": lambda listing: BuyerFactory(),
    "anonymous": lambda listing: None,
    "a superuser": lambda listing: SuperuserFactory(),
}


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("its agent", 200),
        ("another agent", 404),
        ("a buyer", 404),
        ("anonymous", 404),
        ("a superuser", 200),
    ],
)
def test_a_drafts_photos_open_for_its_agent_and_superusers_only(
    client, draft, draft_photo, actor, expected
):
    user = ACTORS[actor](draft)
    if user is not None:
        client.force_login(user)

    for url in urls(draft_photo):
        assert url.startswith(f"/private-media/listings/{draft.pk}/{draft_photo.pk}/")
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 200:
            assert response["Cache-Control"] == "private, no-cache"
            assert response["X-Content-Type-Options"] == "nosniff"


def test_a_drafts_photos_are_stored_privately(draft_photo, photo_storage):
    assert storages_of(draft_photo) == {PRIVATE}
    assert not [name for name in photo_storage.files() if name.startswith("media/")]


def test_a_published_listings_photos_are_public_and_cacheable(
    client, django_capture_on_commit_callbacks, photo_storage
):
    listing = ListingFactory()
    photo = add_photo(listing, django_capture_on_commit_callbacks)

    assert storages_of(photo) == {PUBLIC}
    assert all(url.startswith(f"/media/listings/{listing.pk}/{photo.pk}/") for url in urls(photo))
    assert len(files_in(PUBLIC, photo)) == 6
    assert files_in(PRIVATE, photo) == []
    # The private door does not open public files.
    private_url = f"/private-media/{photo.variants['thumb']['jpeg']}"
    assert client.get(private_url).status_code == 404


def test_the_drafts_agent_sees_private_urls_in_the_api_and_the_admin(
    api_client, client, draft, draft_photo
):
    api_client.force_authenticate(draft.agent)
    detail = api_client.get(f"/api/v1/listings/{draft.pk}/").json()
    listed = api_client.get(f"/api/v1/listings/{draft.pk}/photos/").json()
    prefix = f"http://testserver/private-media/listings/{draft.pk}/"
    assert detail["cover"]["url"].startswith(prefix)
    assert all(v["url"].startswith(prefix) for v in detail["photos"][0]["variants"].values())
    assert listed[0]["variants"]["large"]["url_webp"].startswith(prefix)

    client.force_login(draft.agent)
    page = client.get(f"/admin/listings/listing/{draft.pk}/change/").content.decode()
    thumb = draft_photo.sizes["thumb"]["url"]
    assert f'src="{thumb}"' in page
    assert client.get(thumb).status_code == 200


# --- crossing the draft line --------------------------------------------------------------


def test_publishing_moves_the_photos_to_public_storage(
    client, draft, draft_photo, django_capture_on_commit_callbacks
):
    private_urls = urls(draft_photo)
    assert client.get(private_urls[0]).status_code == 404  # a visitor, before publication

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.listing_set_status(listing=draft, by=draft.agent, status=Status.ACTIVE)
    # Published, files not moved yet: the access-checked URL serves everyone who may see it.
    assert storages_of(draft_photo) == {PRIVATE}
    assert all(client.get(url).status_code == 200 for url in private_urls)

    with django_capture_on_commit_callbacks(execute=True):  # the move deletes after its commit
        for callback in callbacks:
            callback()

    assert storages_of(draft_photo) == {PUBLIC}
    assert len(files_in(PUBLIC, draft_photo)) == 6
    assert files_in(PRIVATE, draft_photo) == []
    assert all(url.startswith("/media/") for url in urls(draft_photo))
    # The original stays private and is never served.
    assert storages["private"].exists(draft_photo.original.name)


def test_back_to_draft_the_public_files_go_and_only_the_agent_opens_them(
    client, django_capture_on_commit_callbacks
):
    listing = ListingFactory()
    photo = add_photo(listing, django_capture_on_commit_callbacks)
    public_names = files_in(PUBLIC, photo)
    assert len(public_names) == 6

    with django_capture_on_commit_callbacks(execute=True):
        services.listing_set_status(listing=listing, by=listing.agent, status=Status.WITHDRAWN)
    assert storages_of(photo) == {PUBLIC}  # withdrawn: its page and photos stay public
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_set_status(listing=listing, by=listing.agent, status=Status.DRAFT)

    assert storages_of(photo) == {PRIVATE}
    # The public URLs handed out before lead nowhere: the files are gone from public storage.
    assert not any(storages["default"].exists(name) for name in public_names)
    assert all(url.startswith("/private-media/") for url in urls(photo))
    assert client.get(urls(photo)[0]).status_code == 404
    client.force_login(listing.agent)
    assert all(client.get(url).status_code == 200 for url in urls(photo))

    # Published again: public again.
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_set_status(
            listing=Listing.objects.get(pk=listing.pk), by=listing.agent, status="active"
        )
    assert storages_of(photo) == {PUBLIC}
    assert files_in(PRIVATE, photo) == []


def test_moving_twice_changes_nothing(draft, draft_photo, photo_storage):
    Listing.objects.filter(pk=draft.pk).update(status=Status.ACTIVE, published_at=draft.created_at)

    assert services.listing_photos_relocate(listing_id=draft.pk) == 1
    files = photo_storage.files()
    assert services.listing_photos_relocate(listing_id=draft.pk) == 0
    assert photo_storage.files() == files


def test_a_photo_processed_while_its_listing_was_published_ends_public(
    draft, monkeypatch, django_capture_on_commit_callbacks
):
    """The move ran before the photo was ready; processing checks again once it has recorded."""
    real_storage_for = ListingPhoto.variant_storage
    calls = []

    def published_meanwhile(photo):
        calls.append(photo.pk)
        answer = real_storage_for(photo)
        if len(calls) == 1:  # as the variants are written, the agent publishes
            Listing.objects.filter(pk=draft.pk).update(
                status="active", published_at=draft.created_at
            )
        return answer

    monkeypatch.setattr(ListingPhoto, "variant_storage", published_meanwhile)
    photo = add_photo(draft, django_capture_on_commit_callbacks)

    assert storages_of(photo) == {PUBLIC}
    assert files_in(PRIVATE, photo) == []


def test_deleting_a_draft_deletes_its_private_variant_files(
    draft, draft_photo, photo_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_remove(listing=draft, by=draft.agent)

    assert photo_storage.files() == []


# --- the sweep ---------------------------------------------------------------------------


def stored_publicly_like_before(photo: ListingPhoto) -> None:
    """As deployments before this change stored every photo: public, no "storage" recorded."""
    variants = {}
    for name, data in photo.variants.items():
        for key in ("webp", "jpeg"):
            with storages[data["storage"]].open(data[key]) as file:
                content = file.read()
            storages[data["storage"]].delete(data[key])
            storages["default"].save(data[key], ContentFile(content))
        variants[name] = {key: value for key, value in data.items() if key != "storage"}
    ListingPhoto.objects.filter(pk=photo.pk).update(variants=variants)


def test_the_sweep_moves_what_disagrees_with_its_listing_and_nothing_else(
    client, draft, draft_photo, django_capture_on_commit_callbacks, photo_storage
):
    # A draft's photo public since before private storage; a published listing's photo left
    # private (its move never ran); a published listing's old public photo, rightly public.
    stored_publicly_like_before(draft_photo)
    leaked_public = files_in(PUBLIC, draft_photo)
    stuck = ListingFactory(draft=True)
    stuck_photo = add_photo(stuck, django_capture_on_commit_callbacks, colour="olive")
    Listing.objects.filter(pk=stuck.pk).update(status="active", published_at=stuck.created_at)
    fine = ListingFactory()
    fine_photo = add_photo(fine, django_capture_on_commit_callbacks, colour="plum")
    stored_publicly_like_before(fine_photo)
    fine_files = files_in(PUBLIC, fine_photo)

    with django_capture_on_commit_callbacks(execute=True):
        assert relocate_misplaced_photos.delay().get() == 2

    assert storages_of(draft_photo) == {PRIVATE}
    assert not any(storages["default"].exists(name) for name in leaked_public)
    assert storages_of(stuck_photo) == {PUBLIC}
    assert files_in(PRIVATE, stuck_photo) == []
    fine_photo.refresh_from_db()
    assert "storage" not in fine_photo.variants["thumb"]  # untouched
    assert files_in(PUBLIC, fine_photo) == fine_files
    client.force_login(draft.agent)
    assert all(client.get(url).status_code == 200 for url in urls(draft_photo))

    files = photo_storage.files()
    with django_capture_on_commit_callbacks(execute=True):
        assert relocate_misplaced_photos.delay().get() == 0
    assert photo_storage.files() == files


def test_beat_runs_the_relocation_sweep(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "photos.tasks.relocate_misplaced_photos" in tasks


def test_run_beat_inline_moves_misplaced_photos(draft, draft_photo):
    from django.core.management import call_command

    stored_publicly_like_before(draft_photo)

    call_command("run_beat_inline", "--once")

    assert storages_of(draft_photo) == {PRIVATE}


# --- capture time ------------------------------------------------------------------------


def test_the_capture_time_of_a_listing_photo_is_not_public(
    api_client, client, django_capture_on_commit_callbacks
):
    listing = ListingFactory()
    exif = images.photo_exif(taken=datetime(2024, 5, 1, 14, 30, 5))  # noqa: DTZ001 - EXIF has no zone
    photo = add_photo(listing, django_capture_on_commit_callbacks, exif=exif)
    assert photo.captured_at is not None  # kept, for the agent in the admin

    detail = api_client.get(f"/api/v1/listings/{listing.pk}/").json()
    listed = api_client.get(f"/api/v1/listings/{listing.pk}/photos/").json()
    assert "captured_at" not in detail["photos"][0]
    assert "captured_at" not in listed[0]
    api_client.force_authenticate(listing.agent)
    assert "captured_at" not in api_client.get(f"/api/v1/listings/{listing.pk}/photos/").json()[0]
    page = client.get(listing.get_absolute_url()).content.decode()
    # Not "2024" alone: the total-cost card names the deed-tax rule in force since 2024-12-01.
    for capture_time in ("2024-05-01", "2024:05:01", "2024年5月1日", "14:30"):
        assert capture_time not in page

    client.force_login(listing.agent)
    admin_page = client.get(f"/admin/listings/listingphoto/{photo.pk}/change/").content.decode()
    assert "2024" in admin_page
