"""Photos in the admin, as an agent: uploads on the listing, the inline, the photo list."""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import storages
from django.forms.models import model_to_dict
from django.urls import reverse

from listings import services
from listings.models import ListingPhoto
from listings.services import EDITABLE_FIELDS
from photos import pipeline as photo_pipeline
from photos.variants import variant_names
from tests.accounts.factories import AgentFactory
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

Status = ListingPhoto.Status
PHOTO_CHANGELIST = reverse("admin:listings_listingphoto_changelist")


def listing_url(listing) -> str:
    return reverse("admin:listings_listing_change", args=[listing.pk])


def photo_url(photo) -> str:
    return reverse("admin:listings_listingphoto_change", args=[photo.pk])


def coloured_jpeg(colour: str, name: str = "photo.jpg"):
    return images.upload(images.jpeg(image=images.picture(800, 600, colour)), name)


def form_data(listing, photo_changes: dict[int, dict] | None = None, **overrides) -> dict:
    """The change form's POST body: the listing's fields and its photos inline, as a browser sends.

    photo_changes maps a photo id to the inline fields to change (caption, position, is_cover,
    DELETE); an unticked checkbox is left out, as browsers do.
    """
    photo_changes = photo_changes or {}
    values = model_to_dict(listing, fields=["agent", "status", *EDITABLE_FIELDS])
    photos = list(listing.photos.order_by("position", "id"))
    values.update(
        {
            "photos-TOTAL_FORMS": len(photos),
            "photos-INITIAL_FORMS": len(photos),
            "photos-MIN_NUM_FORMS": 0,
            "photos-MAX_NUM_FORMS": 1000,
        }
    )
    for index, photo in enumerate(photos):
        fields = {
            "id": photo.pk,
            "listing": listing.pk,
            "caption": photo.caption,
            "position": photo.position,
            "is_cover": photo.is_cover,
            **photo_changes.get(photo.pk, {}),
        }
        for name, value in fields.items():
            if value is not False:
                values[f"photos-{index}-{name}"] = "on" if value is True else value
    values.update(overrides)
    return {name: "" if value is None else value for name, value in values.items()}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def agent(client):
    agent = AgentFactory()
    client.force_login(agent)
    return agent


@pytest.fixture
def listing(agent):
    return ListingFactory(agent=agent)


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST as the browser does; the admin's transaction commits and the eager tasks run."""

    def send(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return send


@pytest.fixture
def real_photos(listing, django_capture_on_commit_callbacks):
    """Two processed photos with their files, as an upload leaves them."""
    with django_capture_on_commit_callbacks(execute=True):
        for colour in ("red", "blue"):
            services.photo_add(listing=listing, upload=coloured_jpeg(colour), by=listing.agent)
    photos = list(listing.photos.order_by("position"))
    assert [photo.status for photo in photos] == [Status.READY, Status.READY]
    return photos


# --- uploading on the listing's change form ------------------------------------------------


def test_several_files_at_once_become_ready_photos(post, listing, photo_storage):
    uploads = [coloured_jpeg(c, f"{c}.jpg") for c in ("red", "green", "blue")]

    response = post(listing_url(listing), form_data(listing, add_photos=uploads))

    assert response.status_code == 302, response.context["adminform"].form.errors
    photos = list(listing.photos.order_by("position"))
    assert [(photo.position, photo.status) for photo in photos] == [
        (0, Status.READY),
        (1, Status.READY),
        (2, Status.READY),
    ]
    assert all(set(photo.variants) == {"thumb", "medium", "large"} for photo in photos)
    assert len(photo_storage.files()) == 3 * 7  # an original, three sizes in two formats each


def test_the_listing_form_still_saves_without_photos(post, listing):
    response = post(listing_url(listing), form_data(listing, price=39_000))

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.price == 39_000
    assert not listing.photos.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (images.html_as_jpeg(), "not a photo we can use"),
        (images.png_with_html(), "hidden after the picture"),
        (images.truncated_jpeg(), "damaged or incomplete"),
    ],
    ids=["HTML", "PNG + HTML", "truncated JPEG"],
)
def test_a_bad_file_among_them_is_named_in_a_form_error_and_nothing_is_stored(
    post, listing, photo_storage, content, message
):
    uploads = [
        coloured_jpeg("red", "good.jpg"),
        images.upload(content, "kitchen.jpg"),
        coloured_jpeg("blue", "also-good.jpg"),
    ]

    response = post(listing_url(listing), form_data(listing, price=1, add_photos=uploads))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["add_photos"]
    assert len(errors) == 1
    assert errors[0].startswith("kitchen.jpg: ")
    assert message in errors[0]
    assert not ListingPhoto.objects.exists()
    assert photo_storage.files() == []
    listing.refresh_from_db()
    assert listing.price != 1


def test_an_empty_file_among_them_is_named_too(post, listing, photo_storage):
    uploads = [
        coloured_jpeg("red", "good.jpg"),
        images.upload(b"", "empty.jpg"),
        images.upload(images.html_as_jpeg(), "page.jpg"),
    ]

    response = post(listing_url(listing), form_data(listing, add_photos=uploads))

    assert response.status_code == 200
    assert not ListingPhoto.objects.exists()
    errors = response.context["adminform"].form.errors["add_photos"]
    assert [error.split(":")[0] for error in errors] == ["empty.jpg", "page.jpg"]


def test_the_same_file_twice_in_one_batch_is_added_once_with_a_warning(post, listing):
    uploads = [coloured_jpeg("red", "one.jpg"), coloured_jpeg("red", "again.jpg")]

    response = post(listing_url(listing), form_data(listing, add_photos=uploads))

    assert response.status_code == 302
    assert listing.photos.count() == 1
    assert "again.jpg: This photo is already on this listing." in messages_of(response)


def test_the_upload_field_accepts_several_photos(client, listing):
    response = client.get(listing_url(listing))

    field = response.context["adminform"].form.fields["add_photos"]
    html = str(response.context["adminform"].form["add_photos"])
    assert "multiple" in html
    assert 'accept="image/*" capture="environment"' in html
    assert not field.required


# --- the photos inline -----------------------------------------------------------------------


def test_the_inline_shows_previews_and_the_state_of_unfinished_photos(client, listing):
    ready = ListingPhotoFactory(listing=listing, ready=True, caption="Kitchen", position=0)
    ListingPhotoFactory(listing=listing, position=1)
    ListingPhotoFactory(
        listing=listing, position=2, status=Status.FAILED, failure_reason="Not a photo."
    )

    response = client.get(listing_url(listing))

    html = response.content.decode()
    thumb = ready.variants["thumb"]
    assert f'<img src="{storages["default"].url(thumb["jpeg"])}" width="400" height="300"' in html
    assert 'alt="Kitchen"' in html
    assert "Processing" in html
    assert "Not a photo." in html
    (inline,) = response.context["inline_admin_formsets"]
    assert len(inline.formset.forms) == 3
    assert not inline.formset.extra_forms  # photos are added through the checked upload field


def test_changing_position_numbers_reorders_the_photos(post, listing):
    first, second, third = (
        ListingPhotoFactory(listing=listing, ready=True, position=n) for n in range(3)
    )

    response = post(
        listing_url(listing),
        form_data(
            listing,
            {first.pk: {"position": 2}, second.pk: {"position": 0}, third.pk: {"position": 1}},
        ),
    )

    assert response.status_code == 302
    assert list(listing.photos.values_list("pk", flat=True)) == [second.pk, third.pk, first.pk]


def test_changing_a_caption_keeps_the_processing_result(post, listing):
    photo = ListingPhotoFactory(listing=listing, ready=True)
    variants = photo.variants

    response = post(listing_url(listing), form_data(listing, {photo.pk: {"caption": "Hall"}}))

    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.caption, photo.status, photo.variants) == ("Hall", Status.READY, variants)


def test_ticking_two_covers_is_a_form_error_and_changes_nothing(post, listing):
    first, second = (ListingPhotoFactory(listing=listing, ready=True, position=n) for n in (0, 1))

    response = post(
        listing_url(listing),
        form_data(listing, {first.pk: {"is_cover": True}, second.pk: {"is_cover": True}}),
    )

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == ["Choose one cover photo at most."]
    assert "Choose one cover photo at most." in response.content.decode()
    assert not listing.photos.filter(is_cover=True).exists()


def test_moving_the_cover_in_the_inline_keeps_one(post, listing):
    first, second = (ListingPhotoFactory(listing=listing, ready=True, position=n) for n in (0, 1))
    ListingPhoto.objects.filter(pk=first.pk).update(is_cover=True)

    response = post(
        listing_url(listing),
        form_data(listing, {first.pk: {"is_cover": False}, second.pk: {"is_cover": True}}),
    )

    assert response.status_code == 302
    assert list(listing.photos.filter(is_cover=True).values_list("pk", flat=True)) == [second.pk]


def test_deleting_a_photo_in_the_inline_removes_it_and_its_files(
    post, listing, real_photos, photo_storage
):
    kept, gone = real_photos
    files_of_kept = {
        *(f"media/{name}" for name in variant_names(kept.variants)),
        f"private-media/{kept.original.name}",
    }
    assert len(files_of_kept) == 7
    assert len(photo_storage.files()) == 14

    response = post(listing_url(listing), form_data(listing, {gone.pk: {"DELETE": True}}))

    assert response.status_code == 302
    assert list(listing.photos.all()) == [kept]
    assert set(photo_storage.files()) == files_of_kept


@pytest.mark.parametrize("change", [{"caption": "Hijacked"}, {"DELETE": True}])
def test_a_photo_of_another_listing_cannot_be_reached_through_the_inline(
    post, listing, photo_storage, change
):
    mine = ListingPhotoFactory(listing=listing, ready=True, caption="Mine")
    theirs = ListingPhotoFactory(ready=True, caption="Theirs")
    their_listing = theirs.listing_id
    files_before = photo_storage.files()
    data = form_data(listing, {mine.pk: change})
    data["photos-0-id"] = theirs.pk  # a forged id in the agent's own listing's inline

    response = post(listing_url(listing), data)

    # Django's formset skips a form whose id is not among the listing's photos.
    assert response.status_code in (200, 302)
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.listing_id, theirs.caption, mine.caption) == (their_listing, "Theirs", "Mine")
    assert photo_storage.files() == files_before


# --- the photo list ------------------------------------------------------------------------


def test_the_photo_list_shows_only_the_agents_own_photos_with_status_and_reason(client, listing):
    mine = ListingPhotoFactory(listing=listing, ready=True, caption="Mine")
    failed = ListingPhotoFactory(
        listing=listing, status=Status.FAILED, failure_reason="This file could not be read."
    )
    ListingPhotoFactory(ready=True, caption="Someone else's")

    response = client.get(PHOTO_CHANGELIST)

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {mine, failed}
    html = response.content.decode()
    assert "Someone else&#x27;s" not in html
    assert "Someone else's" not in html
    assert "This file could not be read." in html
    assert "Failed" in html
    assert "Ready" in html


def test_process_again_requeues_a_failed_photo_which_becomes_ready_once_fixed(
    client, post, listing, django_capture_on_commit_callbacks
):
    photo = ListingPhotoFactory(listing=listing, original__data=b"\xff\xd8not a jpeg at all")
    with django_capture_on_commit_callbacks(execute=True):
        photo_pipeline.photo_process(model=ListingPhoto, photo_id=photo.pk)
    photo.refresh_from_db()
    assert photo.status == Status.FAILED
    action = {"action": "process_again", "_selected_action": [photo.pk], "index": 0}

    still_broken = post(PHOTO_CHANGELIST, action)

    assert still_broken.status_code == 302
    assert "1 photos queued again." in messages_of(still_broken)
    photo.refresh_from_db()
    assert photo.status == Status.FAILED  # processed again, and failed again
    assert photo.attempts == 1

    Path(storages["private"].path(photo.original.name)).write_bytes(images.jpeg(800, 600))
    fixed = post(PHOTO_CHANGELIST, action)

    assert fixed.status_code == 302
    photo.refresh_from_db()
    assert (photo.status, photo.failure_reason) == (Status.READY, "")
    assert set(photo.variants) == {"thumb", "medium", "large"}
    assert all(storages["default"].exists(photo.variants["thumb"][key]) for key in ("jpeg", "webp"))


def test_process_again_leaves_ready_photos_alone(client, post, listing):
    photo = ListingPhotoFactory(listing=listing, ready=True)
    variants = photo.variants

    response = post(
        PHOTO_CHANGELIST, {"action": "process_again", "_selected_action": [photo.pk], "index": 0}
    )

    assert "0 photos queued again." in messages_of(response)
    photo.refresh_from_db()
    assert (photo.status, photo.attempts, photo.variants) == (Status.READY, 1, variants)


def test_the_agent_changes_a_caption_and_the_cover_on_the_photo_page(post, listing):
    old_cover = ListingPhotoFactory(listing=listing, ready=True, is_cover=True)
    photo = ListingPhotoFactory(listing=listing, ready=True, position=3)

    response = post(photo_url(photo), {"caption": "Living room", "position": 1, "is_cover": "on"})

    assert response.status_code == 302
    photo.refresh_from_db()
    old_cover.refresh_from_db()
    assert (photo.caption, photo.position, photo.is_cover) == ("Living room", 1, True)
    assert old_cover.is_cover is False


def test_deleting_a_photo_on_its_page_removes_its_files(post, listing, real_photos, photo_storage):
    kept, gone = real_photos

    response = post(reverse("admin:listings_listingphoto_delete", args=[gone.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert list(listing.photos.all()) == [kept]
    assert len(photo_storage.files()) == 7
    assert not storages["private"].exists(gone.original.name)


# --- another agent -----------------------------------------------------------------------------


@pytest.fixture
def someone_elses_photo():
    return ListingPhotoFactory(
        ready=True, caption="Not yours", status=Status.FAILED, failure_reason="Broken."
    )


def test_another_agent_does_not_see_the_photos(client, agent, someone_elses_photo):
    changelist = client.get(PHOTO_CHANGELIST)
    page = client.get(photo_url(someone_elses_photo))
    listing_page = client.get(listing_url(someone_elses_photo.listing))

    assert list(changelist.context["cl"].result_list) == []
    assert "Not yours" not in changelist.content.decode()
    assert (page.status_code, page.url) == (302, reverse("admin:index"))
    assert (listing_page.status_code, listing_page.url) == (302, reverse("admin:index"))


def test_another_agent_cannot_change_delete_or_requeue_the_photos(
    client, post, agent, someone_elses_photo, photo_storage
):
    photo = someone_elses_photo
    files_before = photo_storage.files()

    change = post(photo_url(photo), {"caption": "Hijacked", "position": 0, "is_cover": "on"})
    delete = post(reverse("admin:listings_listingphoto_delete", args=[photo.pk]), {"post": "yes"})
    post(PHOTO_CHANGELIST, {"action": "process_again", "_selected_action": [photo.pk], "index": 0})
    post(
        PHOTO_CHANGELIST,
        {"action": "delete_selected", "_selected_action": [photo.pk], "post": "yes"},
    )
    inline = post(
        listing_url(photo.listing),
        form_data(photo.listing, {photo.pk: {"caption": "Hijacked", "DELETE": True}}),
    )

    assert (change.status_code, change.url) == (302, reverse("admin:index"))
    assert (delete.status_code, delete.url) == (302, reverse("admin:index"))
    assert (inline.status_code, inline.url) == (302, reverse("admin:index"))
    photo.refresh_from_db()
    assert (photo.caption, photo.is_cover, photo.status, photo.attempts) == (
        "Not yours",
        False,
        Status.FAILED,
        1,
    )
    assert photo_storage.files() == files_before


def test_another_agent_cannot_add_photos_to_the_listing(client, post, agent, photo_storage):
    theirs = ListingFactory()

    response = post(listing_url(theirs), form_data(theirs, add_photos=[coloured_jpeg("red")]))

    assert response.status_code == 302
    assert not theirs.photos.exists()
    assert photo_storage.files() == []
