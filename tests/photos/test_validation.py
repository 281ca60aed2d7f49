import hashlib

import pytest
from django.core.exceptions import ValidationError

from photos.validation import check_image_upload
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
