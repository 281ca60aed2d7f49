import hashlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from photos.validation import check_image_upload, jpeg_scan_count, upload_limits_text
from tests.photos import images


@pytest.mark.parametrize("hostile", images.HOSTILE.values(), ids=images.HOSTILE.keys())
def test_hostile_files_are_refused_with_a_message_for_people(hostile):
    make, name, message = hostile

    with pytest.raises(ValidationError) as refused:
        check_image_upload(images.upload(make(), name))

    assert refused.value.code == "invalid_image"
    assert message in " ".join(refused.value.messages)


def test_the_size_limit_holds_when_the_upload_does_not_say_its_size(settings):
    settings.PHOTO_MAX_BYTES = 1_000_000
    upload = images.upload(images.jpeg(400, 300) + b"\0" * 1_000_000)
    upload.size = None  # a streamed upload: only reading tells

    with pytest.raises(ValidationError, match="larger than 1 MB"):
        check_image_upload(upload)


@pytest.mark.parametrize(
    ("make", "image_format"),
    [
        (images.jpeg, "JPEG"),
        (images.png, "PNG"),
        (images.webp, "WEBP"),
        (images.heic, "HEIF"),
    ],
)
def test_photos_from_phones_pass_with_their_format_size_and_hash(make, image_format):
    content = make(800, 600)

    checked = check_image_upload(images.upload(content, "any-name.bin"))

    assert (checked.format, checked.width, checked.height) == (image_format, 800, 600)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.content == content


def test_the_type_comes_from_the_content_not_the_name():
    checked = check_image_upload(images.upload(images.png(), "holiday.jpg"))

    assert (checked.format, checked.extension) == ("PNG", ".png")


@pytest.mark.parametrize("size", [(199, 800), (800, 199)])
def test_a_photo_narrower_than_the_minimum_side_is_refused(size):
    with pytest.raises(ValidationError, match="too small: at least 200 pixels"):
        check_image_upload(images.upload(images.jpeg(*size)))


def test_a_photo_exactly_the_minimum_side_passes():
    assert check_image_upload(images.upload(images.jpeg(200, 200))).width == 200


def test_a_png_padded_with_zero_bytes_passes():
    assert check_image_upload(images.upload(images.png() + b"\0" * 64)).format == "PNG"


def test_a_phone_jpeg_with_a_second_picture_passes_as_a_jpeg():
    checked = check_image_upload(images.upload(images.mpo(800, 600)))

    assert checked.format == "JPEG"
    assert checked.extension == ".jpg"


# --- pixel limits by format: where the decoder holds the whole picture -----------------------


@pytest.fixture
def small_limits(settings):
    settings.PHOTO_MAX_PIXELS_BY_FORMAT = {
        "JPEG_MULTISCAN": 400_000,
        "PNG": 400_000,
        "WEBP": 400_000,
        "HEIF": 400_000,
        "HEIF_ALPHA": 300_000,
    }


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (
            lambda w, h: images.jpeg(image=images.picture(w, h), progressive=True),
            "Progressive JPEG",
        ),
        (images.png, "PNG"),
        (images.webp, "WebP"),
        (images.heic, "HEIC"),
        (lambda w, h: images.heic(w, h, mode="RGBA", colour=(0, 0, 0, 0)), "Transparent HEIC"),
    ],
)
def test_each_format_that_decodes_whole_has_its_own_pixel_limit(small_limits, make, kind):
    with pytest.raises(ValidationError) as refused:
        check_image_upload(images.upload(make(800, 600)))

    limit = "0.3" if kind == "Transparent HEIC" else "0.4"
    assert refused.value.messages == [
        f"{kind} photos may have at most {limit} megapixels; this one has 0.5."
    ]


def test_a_baseline_jpeg_keeps_the_general_limit(small_limits):
    assert check_image_upload(images.upload(images.jpeg(800, 600))).format == "JPEG"


def test_the_scans_of_a_jpeg_are_counted_up_to_its_end():
    assert jpeg_scan_count(images.jpeg(400, 300)) == 1
    assert jpeg_scan_count(images.jpeg(image=images.noise(400, 300), progressive=True)) > 1
    # The second picture of an MPO and the EXIF thumbnail's markers are not scans of the first.
    assert jpeg_scan_count(images.mpo(800, 600)) == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [(images.webp, "not a photo we can use"), (images.heic, "damaged or incomplete")],
    ids=["WebP", "HEIC"],
)
def test_a_truncated_webp_or_heic_is_refused_without_decoding_it(monkeypatch, make, message):
    whole = make(800, 600)
    monkeypatch.setattr(Image.Image, "load", lambda image: pytest.fail("decoded"))

    with pytest.raises(ValidationError, match=message):
        check_image_upload(images.upload(whole[: len(whole) - 100]))
    assert check_image_upload(images.upload(whole)).width == 800


def test_the_upload_help_text_tells_every_limit():
    assert upload_limits_text() == (
        "JPEG, PNG, WebP or HEIC; up to 20 MB each. At most 40 megapixels for a JPEG "
        "(16 if progressive), 30 for a PNG, 13 for a WebP, 25 for a HEIC (16 if transparent)."
    )
