"""Checks an upload before anything is stored: real type by content, bytes, pixels, integrity."""

import hashlib
import re
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


def upload_limits_text() -> str:
    """The limits an upload must keep, for help texts next to an upload field."""
    megapixels = {kind: f"{max_pixels_for(kind) / 1_000_000:g}" for kind in pixel_limit_names()}
    return _(
        "JPEG, PNG, WebP or HEIC; up to %(mb)s MB each. At most %(jpeg)s megapixels for a JPEG "
        "(%(progressive)s if progressive), %(png)s for a PNG, %(webp)s for a WebP, %(heic)s "
        "for a HEIC (%(heic_alpha)s if transparent)."
    ) % {
        "mb": f"{settings.PHOTO_MAX_BYTES / 1_000_000:g}",
        "jpeg": megapixels["JPEG"],
        "progressive": megapixels["JPEG_MULTISCAN"],
        "png": megapixels["PNG"],
        "webp": megapixels["WEBP"],
        "heic": megapixels["HEIF"],
        "heic_alpha": megapixels["HEIF_ALPHA"],
    }


def pixel_limit_kind(image: Image.Image, content: bytes) -> str:
    """Which of PHOTO_MAX_PIXELS_BY_FORMAT applies: the format, and for JPEG and HEIC whether
    the decoder must hold more (every coefficient of a multi-scan JPEG, HEIC's alpha plane)."""
    if image.format in JPEG_FORMATS:
        return "JPEG_MULTISCAN" if jpeg_scan_count(content) > 1 else "JPEG"
    if image.format == "HEIF" and image.mode in ("RGBA", "RGBa", "LA", "La"):
        return "HEIF_ALPHA"
    return image.format


def max_pixels_for(kind: str) -> int:
    """The most pixels an upload of this kind may have (see PHOTO_MAX_PIXELS_BY_FORMAT)."""
    return min(settings.PHOTO_MAX_PIXELS, settings.PHOTO_MAX_PIXELS_BY_FORMAT.get(kind, 10**12))


def pixel_limit_names() -> dict[str, str]:
    """What people call each kind, in the messages that tell them its limit."""
    return {
        "JPEG": "JPEG",
        "JPEG_MULTISCAN": _("Progressive JPEG"),
        "PNG": "PNG",
        "WEBP": "WebP",
        "HEIF": "HEIC",
        "HEIF_ALPHA": _("Transparent HEIC"),
    }


def jpeg_scan_count(content: bytes) -> int:
    """How many scans the first picture of a JPEG has. With more than one (progressive JPEGs,
    and sequential ones with a scan per colour), libjpeg keeps every coefficient of the picture
    in memory, however small the decode: 2 bytes per sample."""
    position, scans, end = 2, 0, len(content)
    while position + 4 <= end:
        if content[position] != 0xFF:
            return scans  # damaged: the decoder says so later
        marker = content[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of the picture
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        position += 2 + int.from_bytes(content[position + 2 : position + 4], "big")
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next marker
            scans += 1
            found = _NEXT_MARKER.search(content, position)
            if found is None:
                break
            position = found.start()
    return scans


# 0xFF followed by 0x00 is a stuffed data byte, by 0xD0-0xD7 a restart marker: neither ends a scan.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _boxes_complete(content: bytes) -> bool:
    """Whether every top-level box of a HEIC file (ISO base media: size, type, 64-bit size) is
    all there: a truncated upload is refused without decoding it."""
    position = 0
    while position + 8 <= len(content):
        size = int.from_bytes(content[position : position + 4], "big")
        if size == 1:
            size = int.from_bytes(content[position + 8 : position + 16], "big")
        elif size == 0:  # the last box runs to the end of the file
            return True
        if size < 8:
            return False
        position += size
    return position == len(content)


def _check_complete(image: Image.Image, content: bytes) -> None:
    """Know the file is whole as cheaply as the format allows: the web process never decodes a
    PNG, WebP or HEIC whole (the worker does, within the format's pixel limit)."""
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
        elif image.format == "HEIF" and not _boxes_complete(content):
            _refuse(damaged)
        # A WebP was parsed whole when opened: libwebp's demuxer refuses a partial file.
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
    kind = pixel_limit_kind(image, content)
    limit = max_pixels_for(kind)
    if width * height > limit:
        _refuse(
            _("%(kind)s photos may have at most %(mp)s megapixels; this one has %(has)s.")
            % {
                "kind": pixel_limit_names()[kind],
                "mp": f"{limit / 1_000_000:g}",
                "has": f"{width * height / 1_000_000:.1f}",
            }
        )
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
