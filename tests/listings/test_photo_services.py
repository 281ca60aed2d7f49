from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from PIL import Image

from listings import services
from listings.models import Listing, ListingPhoto
from photos import pipeline as photo_pipeline
from photos.tasks import process_photo
from photos.variants import variant_names
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture
def listing():
    return ListingFactory()


@pytest.fixture
def add_photo(django_capture_on_commit_callbacks):
    """photo_add as a request runs it: the transaction commits and the eager task runs."""

    def add(listing, content, name="photo.jpg"):
        with django_capture_on_commit_callbacks(execute=True):
            photo = services.photo_add(
                listing=listing, upload=images.upload(content, name), by=listing.agent
            )
        photo.refresh_from_db()
        return photo

    return add


def stored_bytes(name: str) -> bytes:
    with storages["default"].open(name) as file:
        return file.read()


def stored_variant(name: str) -> Image.Image:
    image = Image.open(BytesIO(stored_bytes(name)))
    image.load()
    return image


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


# --- refused uploads ------------------------------------------------------------------


@pytest.mark.parametrize("hostile", images.HOSTILE.values(), ids=images.HOSTILE.keys())
def test_a_hostile_file_is_refused_and_nothing_is_stored(
    hostile, listing, photo_storage, django_capture_on_commit_callbacks
):
    make, name, message = hostile

    with (
        django_capture_on_commit_callbacks() as queued,
        pytest.raises(ValidationError) as refused,
    ):
        services.photo_add(listing=listing, upload=images.upload(make(), name), by=listing.agent)

    assert list(refused.value.message_dict) == ["image"]
    assert message in " ".join(refused.value.message_dict["image"])
    assert not ListingPhoto.objects.exists()
    assert queued == []
    assert photo_storage.files() == []


def test_the_same_photo_twice_on_a_listing_is_refused(listing, add_photo, photo_storage):
    content = images.jpeg()
    add_photo(listing, content)
    stored = photo_storage.files()

    with pytest.raises(ValidationError) as refused:
        services.photo_add(
            listing=listing, upload=images.upload(content, "again.jpg"), by=listing.agent
        )

    assert refused.value.message_dict == {"image": ["This photo is already on this listing."]}
    assert listing.photos.count() == 1
    assert photo_storage.files() == stored


def test_the_same_photo_may_be_on_two_listings(listing, add_photo):
    content = images.jpeg()
    add_photo(listing, content)

    assert add_photo(ListingFactory(), content).status == ListingPhoto.Status.READY


def test_a_photo_over_the_per_listing_limit_is_refused(settings, listing, photo_storage):
    settings.PHOTOS_PER_LISTING = 2
    ListingPhotoFactory.create_batch(2, listing=listing)
    stored = photo_storage.files()

    with pytest.raises(ValidationError) as refused:
        services.photo_add(listing=listing, upload=images.upload(images.jpeg()), by=listing.agent)

    assert refused.value.message_dict == {"image": ["A listing has at most 2 photos."]}
    assert listing.photos.count() == 2
    assert photo_storage.files() == stored


# --- processing -------------------------------------------------------------------------


def test_a_good_jpeg_becomes_a_ready_photo_with_three_sizes_in_two_formats(
    listing, add_photo, photo_storage
):
    twelve_megapixels = images.jpeg(4000, 3000)

    photo = add_photo(listing, twelve_megapixels, "IMG_0001 at Li Wei's flat.jpg")

    assert photo.status == ListingPhoto.Status.READY
    assert (photo.width, photo.height, photo.attempts) == (4000, 3000, 1)
    assert photo.processed_at is not None
    assert photo.failure_reason == ""
    sizes = {name: (data["width"], data["height"]) for name, data in photo.variants.items()}
    assert sizes == {"large": (1600, 1200), "medium": (1000, 750), "thumb": (400, 300)}
    for name, data in photo.variants.items():
        for key, image_format in (("webp", "WEBP"), ("jpeg", "JPEG")):
            image = stored_variant(data[key])
            assert (image.format, image.size) == (image_format, sizes[name])
    # The original is kept privately, under a name that says nothing of the upload's.
    assert photo.original.name.startswith(f"listings/{listing.pk}/originals/")
    assert "Li Wei" not in photo.original.name
    assert photo_storage.files() == sorted(
        [f"private-media/{photo.original.name}"]
        + [f"media/{name}" for name in variant_names(photo.variants)]
    )


def test_a_portrait_photo_is_scaled_on_its_long_side(listing, add_photo):
    photo = add_photo(listing, images.png(1200, 3000))

    sizes = {name: (data["width"], data["height"]) for name, data in photo.variants.items()}
    assert sizes == {"large": (640, 1600), "medium": (400, 1000), "thumb": (160, 400)}


def test_a_small_photo_is_never_enlarged(listing, add_photo):
    photo = add_photo(listing, images.jpeg(800, 600))

    sizes = {name: (data["width"], data["height"]) for name, data in photo.variants.items()}
    assert sizes == {"large": (800, 600), "medium": (800, 600), "thumb": (400, 300)}
    assert stored_variant(photo.variants["large"]["webp"]).size == (800, 600)


@pytest.mark.parametrize(("orientation", "top", "bottom"), [(6, RED, BLUE), (8, BLUE, RED)])
def test_a_sideways_phone_photo_comes_out_upright_with_no_metadata(
    listing, add_photo, orientation, top, bottom
):
    # Stored 600×400, left half red; orientation 6 means "turn 90° clockwise to view".
    exif = images.photo_exif(
        orientation=orientation,
        gps=(47.35, 130.30),
        taken=datetime(2024, 5, 1, 14, 30, 5),  # noqa: DTZ001 - EXIF time has no zone
        camera=("Xiaomi", "14 Ultra"),
    )
    content = images.jpeg(
        image=images.two_halves(600, 400), exif=exif, icc_profile=images.SRGB_ICC, xmp=images.XMP
    )

    photo = add_photo(listing, content)

    assert photo.status == ListingPhoto.Status.READY
    assert (photo.width, photo.height) == (400, 600)
    assert photo.captured_at == datetime(2024, 5, 1, 14, 30, 5, tzinfo=SHANGHAI)
    for name in variant_names(photo.variants):
        image = stored_variant(name)
        assert image.width < image.height, name
        rgb = image.convert("RGB")
        assert close_to(rgb.getpixel((image.width // 2, 2)), top), name
        assert close_to(rgb.getpixel((image.width // 2, image.height - 3)), bottom), name
        assert not image.getexif(), name
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(
            image.info
        ), name
        assert b"Xiaomi" not in stored_bytes(name), name


def test_a_jpeg_comment_is_not_copied_into_the_variants(listing, add_photo):
    photo = add_photo(listing, images.jpeg(800, 600, comment=b"Li Wei, 3-1-502 Hongqi Road"))

    for name in variant_names(photo.variants):
        assert "comment" not in stored_variant(name).info, name


def test_a_photo_without_exif_has_no_capture_time(listing, add_photo):
    assert add_photo(listing, images.png()).captured_at is None


def test_a_heic_photo_is_processed_too(listing, add_photo):
    photo = add_photo(listing, images.heic(800, 600), "IMG_0001.HEIC")

    assert photo.status == ListingPhoto.Status.READY
    assert photo.original.name.endswith(".heic")
    assert stored_variant(photo.variants["thumb"]["jpeg"]).size == (400, 300)


def test_running_the_task_twice_makes_no_second_set_of_files(listing, add_photo, photo_storage):
    photo = add_photo(listing, images.jpeg())
    files = photo_storage.files()

    assert process_photo("listings.ListingPhoto", photo.pk) == ListingPhoto.Status.READY

    photo_after = ListingPhoto.objects.get(pk=photo.pk)
    assert photo_storage.files() == files
    assert photo_after.variants == photo.variants
    assert photo_after.attempts == 1


def test_a_run_that_died_before_recording_its_work_is_redone_under_the_same_names(
    listing, add_photo, photo_storage
):
    photo = add_photo(listing, images.jpeg())
    files = photo_storage.files()
    ListingPhoto.objects.filter(pk=photo.pk).update(variants={}, status=ListingPhoto.Status.PENDING)

    assert process_photo("listings.ListingPhoto", photo.pk) == ListingPhoto.Status.READY

    assert photo_storage.files() == files
    assert ListingPhoto.objects.get(pk=photo.pk).variants == photo.variants


def test_a_task_for_a_photo_that_is_gone_ends_quietly():
    assert process_photo("listings.ListingPhoto", 987_654) == "gone"


def test_a_photo_out_of_attempts_fails_with_a_reason(settings):
    photo = ListingPhotoFactory(attempts=settings.PHOTO_MAX_ATTEMPTS)

    assert process_photo("listings.ListingPhoto", photo.pk) == ListingPhoto.Status.FAILED

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.FAILED
    assert photo.failure_reason == "Processing stopped 3 times before it finished."
    assert photo.attempts == settings.PHOTO_MAX_ATTEMPTS
    assert photo.variants == {}


def test_a_corrupt_original_fails_with_a_reason(listing, add_photo):
    photo = add_photo(listing, images.jpeg())
    with storages["private"].open(photo.original.name, "wb") as original:
        original.write(b"\xff\xd8\xff\xe0 not a jpeg any more")
    ListingPhoto.objects.filter(pk=photo.pk).update(variants={})

    result = photo_pipeline.photo_process(model=ListingPhoto, photo_id=photo.pk)

    assert result.status == ListingPhoto.Status.FAILED
    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.FAILED
    assert photo.failure_reason.startswith("This file could not be read as a photo: ")
    assert photo.attempts == 2


def test_a_failed_photo_is_not_processed_again_until_retried():
    photo = ListingPhotoFactory(status=ListingPhoto.Status.FAILED, failure_reason="Stopped.")

    assert process_photo("listings.ListingPhoto", photo.pk) == ListingPhoto.Status.FAILED
    photo.refresh_from_db()
    assert (photo.attempts, photo.variants) == (0, {})


def test_retry_resets_a_failed_photo_and_processes_it_again(
    settings, django_capture_on_commit_callbacks
):
    photo = ListingPhotoFactory(attempts=settings.PHOTO_MAX_ATTEMPTS)
    photo_pipeline.photo_process(model=ListingPhoto, photo_id=photo.pk)
    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        services.photo_retry(photo=photo, by=photo.listing.agent)

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.READY
    assert (photo.attempts, photo.failure_reason) == (1, "")
    assert set(photo.variants) == {"large", "medium", "thumb"}


# --- deleting ---------------------------------------------------------------------------


def test_deleting_a_photo_removes_its_files_only_after_commit(
    listing, add_photo, photo_storage, django_capture_on_commit_callbacks
):
    kept = add_photo(listing, images.jpeg(800, 600, image=images.picture(colour="red")))
    kept_files = photo_storage.files()
    photo = add_photo(listing, images.jpeg())
    all_files = photo_storage.files()
    assert (len(kept_files), len(all_files)) == (7, 14)

    with django_capture_on_commit_callbacks() as callbacks:
        services.photo_delete(photo=photo, by=photo.listing.agent)

        assert not ListingPhoto.objects.filter(pk=photo.pk).exists()
        assert photo_storage.files() == all_files  # a rollback would still find them
    for callback in callbacks:
        callback()

    assert photo_storage.files() == kept_files
    assert ListingPhoto.objects.get() == kept


def test_removing_a_draft_listing_deletes_its_photos_files(
    add_photo, photo_storage, django_capture_on_commit_callbacks
):
    draft = ListingFactory(draft=True)
    add_photo(draft, images.jpeg())
    add_photo(draft, images.png())
    other = add_photo(ListingFactory(), images.jpeg())
    assert len(photo_storage.files()) == 3 * 7

    with django_capture_on_commit_callbacks(execute=True):
        services.listing_remove(listing=draft, by=draft.agent)

    assert not Listing.objects.filter(pk=draft.pk).exists()
    assert ListingPhoto.objects.get() == other
    assert photo_storage.files() == sorted(
        [f"private-media/{other.original.name}"]
        + [f"media/{name}" for name in variant_names(other.variants)]
    )


def test_removing_a_published_listing_withdraws_it_and_keeps_its_photos(
    listing, add_photo, photo_storage, django_capture_on_commit_callbacks
):
    add_photo(listing, images.jpeg())
    files = photo_storage.files()

    with django_capture_on_commit_callbacks(execute=True):
        services.listing_remove(listing=listing, by=listing.agent)

    listing.refresh_from_db()
    assert listing.status == Listing.Status.WITHDRAWN
    assert listing.photos.count() == 1
    assert photo_storage.files() == files


# --- order and cover ----------------------------------------------------------------------


def test_reorder_sets_the_positions_in_the_given_order(listing):
    first, second, third = ListingPhotoFactory.create_batch(3, listing=listing)

    result = services.photos_reorder(
        listing=listing, by=listing.agent, photo_ids=[third.pk, first.pk, second.pk]
    )

    assert [photo.pk for photo in result] == [third.pk, first.pk, second.pk]
    assert list(listing.photos.values_list("pk", "position")) == [
        (third.pk, 0),
        (first.pk, 1),
        (second.pk, 2),
    ]


@pytest.mark.parametrize("wrong", ["missing", "repeated", "foreign", "unknown"])
def test_reorder_refuses_a_list_that_is_not_exactly_the_listings_photos(listing, wrong):
    first, second = ListingPhotoFactory.create_batch(2, listing=listing)
    foreign = ListingPhotoFactory()
    photo_ids = {
        "missing": [second.pk],
        "repeated": [second.pk, first.pk, first.pk],
        "foreign": [second.pk, first.pk, foreign.pk],
        "unknown": [second.pk, 987_654],
    }[wrong]
    positions = list(ListingPhoto.objects.values_list("pk", "position"))

    with pytest.raises(ValidationError) as refused:
        services.photos_reorder(listing=listing, by=listing.agent, photo_ids=photo_ids)

    assert refused.value.message_dict == {
        "photos": ["List every photo of this listing exactly once, in the new order."]
    }
    assert list(ListingPhoto.objects.values_list("pk", "position")) == positions


def test_choosing_a_cover_moves_it_from_the_previous_one(listing):
    first, _, third = ListingPhotoFactory.create_batch(3, listing=listing, ready=True)
    other_listing_cover = ListingPhotoFactory(ready=True, is_cover=True)
    services.photo_update(photo=first, by=first.listing.agent, data={"is_cover": True})

    services.photo_update(
        photo=third, by=third.listing.agent, data={"is_cover": True, "caption": "Sunny kitchen"}
    )

    assert list(ListingPhoto.objects.filter(is_cover=True)) == [third, other_listing_cover]
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.is_cover, third.is_cover, third.caption) == (False, True, "Sunny kitchen")

    services.photo_update(photo=third, by=third.listing.agent, data={"is_cover": False})
    assert not listing.photos.filter(is_cover=True).exists()


def covers() -> dict:
    return {listing.pk: listing.cover_variants for listing in Listing.objects.with_cover()}


def test_the_cover_is_the_chosen_ready_photo_else_the_first_ready_one(
    listing, django_assert_num_queries
):
    pending = ListingPhotoFactory(listing=listing, position=0)
    second = ListingPhotoFactory(listing=listing, position=1, ready=True)
    third = ListingPhotoFactory(listing=listing, position=2, ready=True)
    no_ready_photo = ListingFactory()
    ListingPhotoFactory(listing=no_ready_photo, status=ListingPhoto.Status.FAILED)
    no_photo = ListingFactory()

    with django_assert_num_queries(1):
        assert covers() == {listing.pk: second.variants, no_ready_photo.pk: None, no_photo.pk: None}

    ListingPhoto.objects.filter(pk=third.pk).update(is_cover=True)
    assert covers()[listing.pk] == third.variants

    # A chosen cover that is not ready yet gives way to the first ready photo.
    ListingPhoto.objects.filter(pk=third.pk).update(is_cover=False)
    ListingPhoto.objects.filter(pk=pending.pk).update(is_cover=True)
    assert covers()[listing.pk] == second.variants

    ListingPhoto.objects.filter(pk=second.pk).update(position=5)
    assert covers()[listing.pk] == third.variants


# --- races --------------------------------------------------------------------------------


def test_editing_a_caption_while_the_photo_is_processed_keeps_the_processing(listing):
    photo = ListingPhotoFactory(listing=listing)
    read_by_the_form = ListingPhoto.objects.get(pk=photo.pk)
    # the worker finishes meanwhile
    photo_pipeline.photo_process(model=ListingPhoto, photo_id=photo.pk)

    services.photo_update(
        photo=read_by_the_form, by=read_by_the_form.listing.agent, data={"caption": "Kitchen"}
    )

    photo.refresh_from_db()
    assert photo.caption == "Kitchen"
    assert photo.status == ListingPhoto.Status.READY
    assert set(photo.variants) == {"large", "medium", "thumb"}


def test_deleting_a_photo_while_it_is_processed_leaves_no_files(
    listing, photo_storage, django_capture_on_commit_callbacks
):
    photo = ListingPhotoFactory(listing=listing)
    read_by_the_view = ListingPhoto.objects.get(pk=photo.pk)
    # the worker finishes meanwhile
    photo_pipeline.photo_process(model=ListingPhoto, photo_id=photo.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(photo=read_by_the_view, by=read_by_the_view.listing.agent)

    assert photo_storage.files() == []


def test_a_phone_jpeg_with_a_second_picture_becomes_a_ready_photo(listing, add_photo):
    photo = add_photo(listing, images.mpo(800, 600))

    assert photo.status == ListingPhoto.Status.READY
    assert photo.original.name.endswith(".jpg")
