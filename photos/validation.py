"""Checks an upload before anything is stored: real type by content, bytes, pixels, integrity."""

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# What phones produce. Pillow is only allowed to try these decoders on an upload.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}
JPEG_FORMATS = ("JPEG", "MPO")
PNG_END = b"IEND\xaeB`\x82"


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    format: str
    width: int
    height: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def _refuse(message: str):
    raise ValidationError(message, code="invalid_image")


def read_upload(upload) -> bytes:
    max_bytes = settings.PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        _refuse(_("This file is larger than %(mb)s MB.") % {"mb": f"{max_bytes / 1_000_000:g}"})
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    if not content:
        _refuse(_("This file is empty."))
    if len(content) > max_bytes:
        _refuse(_("This file is larger than %(mb)s MB.") % {"mb": f"{max_bytes / 1_000_000:g}"})
    return content


def open_image(content: bytes) -> Image.Image:
    """Open an image by its content, never by its name; bombs and unknown types are refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(BytesIO(content), formats=ALLOWED_FORMATS)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            _refuse(_too_many_pixels_message())
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            _refuse(_("This is not a photo we can use. Send a JPEG, PNG, WebP or HEIC photo."))


def _too_many_pixels_message() -> str:
    return _("This photo has too many pixels: at most %(mp)s megapixels.") % {
        "mp": f"{settings.PHOTO_MAX_PIXELS / 1_000_000:g}"
    }


def _check_complete(image: Image.Image, content: bytes) -> None:
    """Decode enough to know the file is whole, as cheaply as the format allows."""
    damaged = _("This photo is damaged or incomplete. Send the original file again.")
    try:
        if image.format in JPEG_FORMATS:
            # Decoding at 1/8 scale still reads every byte of the compressed data.
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
        elif image.format == "PNG":
            image.verify()
            if not content.rstrip(b"\0").endswith(PNG_END):
                _refuse(_("This PNG has something else hidden after the picture."))
        else:
            image.load()
    except ValidationError:
        raise
    except Exception:  # any decoder failure means the same thing to the user
        _refuse(damaged)


def check_image_upload(upload) -> CheckedImage:
    """Everything an upload must pass; raises ValidationError with a message for people."""
    content = read_upload(upload)
    image = open_image(content)
    width, height = image.size
    if width * height > settings.PHOTO_MAX_PIXELS:
        _refuse(_too_many_pixels_message())
    if min(width, height) < settings.PHOTO_MIN_SIDE:
        _refuse(
            _("This photo is too small: at least %(px)d pixels on each side.")
            % {"px": settings.PHOTO_MIN_SIDE}
        )
    # Phones write MPO (a JPEG with a second picture inside); the first picture is a JPEG.
    image_format = "JPEG" if image.format in JPEG_FORMATS else image.format
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        _check_complete(image, content)
    return CheckedImage(
        content=content,
        format=image_format,
        width=width,
        height=height,
        sha256=hashlib.sha256(content).hexdigest(),
    )
