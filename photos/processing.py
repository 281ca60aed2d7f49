"""Turns a checked original into web variants: upright, sRGB, no metadata, modern + fallback."""

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from django.utils import timezone
from PIL import Image, ImageCms, ImageOps

from photos.validation import ALLOWED_FORMATS, JPEG_FORMATS

# Name → longest width in pixels. Cards use thumb; the gallery picks medium or large by srcset.
VARIANT_WIDTHS = {"large": 1600, "medium": 1000, "thumb": 400}
FORMATS = {
    # Measured in bench/photos.py: method 0 and baseline JPEG keep a worker above 10 photos/s
    # on 2 cores; slower WebP methods save 10-20 % of bytes for 2-4 times the CPU.
    "webp": ("WEBP", {"quality": 78, "method": 0}),
    "jpeg": ("JPEG", {"quality": 82, "optimize": True}),
}
ORIENTATION_TAG = 0x0112
DATETIME_ORIGINAL_TAG = 0x9003
EXIF_IFD = 0x8769
SIDEWAYS_ORIENTATIONS = {5, 6, 7, 8}
SRGB = ImageCms.createProfile("sRGB")


class ImageProcessingError(Exception):
    """The original cannot be turned into variants; retrying will not help."""


@dataclass(frozen=True)
class Variant:
    name: str
    width: int
    height: int
    files: dict[str, bytes]  # format key ("webp", "jpeg") → encoded bytes


@dataclass(frozen=True)
class Rendered:
    width: int  # of the upright original
    height: int
    captured_at: datetime | None
    variants: list[Variant]


def capture_time(image: Image.Image) -> datetime | None:
    """When the photo was taken, from EXIF, read before the metadata is stripped."""
    exif = image.getexif()
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL_TAG) or exif.get(0x0132)
    if not raw:
        return None
    try:
        taken = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
    except ValueError:
        return None
    # EXIF has no zone; phones record local time, and Walkup's people live in China.
    return timezone.make_aware(taken, timezone.get_default_timezone())


def _upright_size(image: Image.Image) -> tuple[int, int]:
    if image.getexif().get(ORIENTATION_TAG) in SIDEWAYS_ORIENTATIONS:
        return image.height, image.width
    return image.size


def _scaled(width: int, height: int, longest: int) -> tuple[int, int]:
    """Fit inside longest×longest (landscape by width, portrait by height); never enlarge."""
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent and palette images onto white; modes a colour profile can describe stay."""
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("RGB", "CMYK", "L"):
        return image
    return image.convert("RGB")


def _to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(profile))
            return ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: treat the pixels as sRGB rather than refuse the photo
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image) -> dict[str, bytes]:
    files = {}
    for key, (pillow_format, options) in FORMATS.items():
        buffer = BytesIO()
        # No exif=, no icc_profile=: nothing of the original's metadata is written.
        image.save(buffer, pillow_format, **options)
        files[key] = buffer.getvalue()
    return files


def render_variants(content: bytes, wanted: set[str]) -> Rendered:
    """Decode once at the smallest size that serves the largest wanted variant, then shrink.

    Every variant is resized from that decoded image (the thumbnail from the medium one), then
    converted to sRGB: converting the smaller images costs less than converting the decode.
    """
    try:
        image = Image.open(BytesIO(content), formats=ALLOWED_FORMATS)
        taken = capture_time(image)
        upright_width, upright_height = _upright_size(image)
        largest = max(VARIANT_WIDTHS[name] for name in wanted)
        target = _scaled(upright_width, upright_height, largest)
        if image.format in JPEG_FORMATS:
            # Draft mode lets libjpeg decode a 12 MP photo at 1/2, 1/4 or 1/8 scale directly.
            draft_size = target if image.size == (upright_width, upright_height) else target[::-1]
            image.draft("RGB", draft_size)
        image = ImageOps.exif_transpose(image)
        profile = image.info.get("icc_profile")
        decoded = _flatten(image)
        decoded.info = {}  # encoders fall back to info (a JPEG comment, say): carry nothing over
        variants, medium = [], None
        for name in sorted(wanted, key=VARIANT_WIDTHS.get, reverse=True):
            size = _scaled(upright_width, upright_height, VARIANT_WIDTHS[name])
            if name == "thumb" and medium is not None:
                resized = medium.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
            else:
                # reducing_gap=1.0: shrink by whole factors with reduce() (a 2000 px draft
                # halves to 1000 px exactly), then resample; sRGB on the smaller image.
                resized = decoded.resize(size, Image.Resampling.BICUBIC, reducing_gap=1.0)
                resized = _to_srgb(resized, profile)
            if name == "medium":
                medium = resized
            variants.append(Variant(name, size[0], size[1], _encode(resized)))
    except ImageProcessingError:
        raise
    except Exception as error:  # any decoder failure is permanent for this file
        raise ImageProcessingError(str(error) or error.__class__.__name__) from error
    return Rendered(upright_width, upright_height, taken, variants)
