"""Turns a checked original into web variants: upright, sRGB, no metadata, modern + fallback."""

import math
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

import pillow_heif
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
    if image.mode in ("RGBA", "RGBa", "LA", "La", "P", "PA") or "transparency" in image.info:
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

    A JPEG decodes reduced (draft mode). A picture that decodes whole (PNG, WebP, HEIC) is
    flattened and shrunk by whole factors a band of rows at a time, so no full-size copy is
    made beside the decode (the worst file's cost: bench/photo_cost.py). Every variant is
    resized from that (the thumbnail from the medium one), then converted to sRGB: converting
    the smaller images costs less.
    """
    try:
        image = Image.open(BytesIO(content), formats=ALLOWED_FORMATS)
        taken = capture_time(image)
        orientation = image.getexif().get(ORIENTATION_TAG)
        upright_width, upright_height = _upright_size(image)
        sizes = {
            name: _scaled(upright_width, upright_height, VARIANT_WIDTHS[name]) for name in wanted
        }
        largest = max(sizes.values())
        sideways = image.size != (upright_width, upright_height)
        if image.format in JPEG_FORMATS:
            # Draft mode lets libjpeg decode a 12 MP photo at 1/2, 1/4 or 1/8 scale directly.
            image.draft("RGB", largest[::-1] if sideways else largest)
        profile = image.info.get("icc_profile")
        # The variants resized from the decode; the thumbnail comes from the medium one.
        from_decode = [name for name in sizes if name != "thumb" or "medium" not in sizes]
        factors = {
            name: _reduce_factor(image.size, sizes[name][::-1] if sideways else sizes[name])
            for name in from_decode
        }
        if any(factor != (1, 1) for factor in factors.values()):
            bands, size = _decoded_bands(image, content)
            image = None  # from here the bands hold the only reference to the decode
            resized = _resized_in_bands(bands, size, sizes, factors, orientation)
        else:
            # Decoded near the size wanted (a JPEG's draft): shrink it whole.
            decoded = _flatten(ImageOps.exif_transpose(image))
            resized = {
                # reducing_gap=1.0: shrink by whole factors with reduce() (a 2000 px draft
                # halves to 1000 px exactly), then resample.
                name: decoded.resize(sizes[name], Image.Resampling.BICUBIC, reducing_gap=1.0)
                for name in from_decode
            }
        image = decoded = None  # nothing full-size is kept while the variants are encoded
        variants, medium = [], None
        for name in sorted(wanted, key=VARIANT_WIDTHS.get, reverse=True):
            if name in resized:
                variant = _to_srgb(resized.pop(name), profile)
            else:
                variant = medium.resize(sizes[name], Image.Resampling.BICUBIC, reducing_gap=2.0)
            variant.info = {}  # encoders fall back to info (a JPEG comment): carry nothing over
            if name == "medium":
                medium = variant
            variants.append(Variant(name, *sizes[name], _encode(variant)))
    except ImageProcessingError:
        raise
    except Exception as error:  # any decoder failure is permanent for this file
        raise ImageProcessingError(str(error) or error.__class__.__name__) from error
    return Rendered(upright_width, upright_height, taken, variants)


def _resized_in_bands(bands, size, sizes, factors, orientation) -> dict[str, Image.Image]:
    """Each variant of `factors` from a picture that decodes whole, with no full-size copy."""
    width, height = size
    reduced = _reduced_in_bands(bands, size, set(factors.values()))
    method = TRANSPOSE.get(orientation)
    resized = {}
    for name, factor in factors.items():
        picture = reduced[factor]
        # What resize(reducing_gap=1.0) resamples from after its own reduce(): the picture's
        # own extent, a fraction of the last block included.
        box = (0, 0, width / factor[0], height / factor[1])
        if method is not None:
            box = _transposed_box(box, picture.size, method)
            picture = picture.transpose(method)
        resized[name] = picture.resize(sizes[name], Image.Resampling.BICUBIC, box=box)
    return resized


def _decoded_bands(image: Image.Image, content: bytes):
    """The whole decoded picture as a function giving bands of rows, and its size, holding as
    little beside the decoded pixels as each decoder allows."""
    if image.format == "WEBP":
        # Pillow's WebP loader keeps its decoder's two canvases beside the picture it copies
        # out (16 bytes a pixel); its C decoder alone lets them go before the copy (12).
        from PIL import _webp

        image.close()
        decoder = _webp.WebPAnimDecoder(content)
        size, _loop, _background, _frames, rawmode = decoder.get_info()
        pixels, _timestamp = decoder.get_next()
        decoder = None
        whole = Image.frombuffer(rawmode, size, pixels, "raw", rawmode, 0, 1)
        return lambda top, bottom: whole.crop((0, top, size[0], bottom)), size
    if image.format == "HEIF":
        # libheif's decoded rows are read in place; Pillow's loader would copy them all.
        image.close()
        heif = pillow_heif.open_heif(BytesIO(content), convert_hdr_to_8bit=True)
        mode, size, stride, pixels = heif.mode, heif.size, heif.stride, heif.data

        def heif_band(top: int, bottom: int) -> Image.Image:
            rows = pixels[top * stride : bottom * stride]
            return Image.frombuffer(mode, (size[0], bottom - top), rows, "raw", mode, stride, 1)

        return heif_band, size
    image.load()
    return lambda top, bottom: image.crop((0, top, image.width, bottom)), image.size


def _reduced_in_bands(bands, size: tuple[int, int], factors: set[tuple[int, int]]) -> dict:
    """The picture flattened and reduce()d by each factor, a band of rows at a time.

    Flattening is per pixel and no reduction block straddles two bands, so this is exactly what
    resize(reducing_gap=1.0) reduces inside from a flattened full-size copy, without the copy.
    """
    width, height = size
    step = math.lcm(*(factor_y for _factor_x, factor_y in factors))
    band_rows = max(step, BAND_PIXELS // max(1, width) // step * step)
    reduced = {}
    for top in range(0, height, band_rows):
        band = _flatten(bands(top, min(height, top + band_rows)))
        for factor in factors:
            part = band.reduce(factor)
            if factor not in reduced:
                whole = (math.ceil(width / factor[0]), math.ceil(height / factor[1]))
                reduced[factor] = Image.new(part.mode, whole)
            reduced[factor].paste(part, (0, top // factor[1]))
    return reduced


TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Rows of a band: about this many pixels, a whole number of every reduction's blocks.
BAND_PIXELS = 1_000_000


def _reduce_factor(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The whole factors Pillow's resize(reducing_gap=1.0) shrinks by before resampling."""
    return max(1, size[0] // target[0]), max(1, size[1] // target[1])


def _transposed_box(box, size: tuple[int, int], method) -> tuple[float, float, float, float]:
    """Where `box` of a picture of `size` lands once the picture is transposed by `method`."""
    x0, y0, x1, y1 = box
    width, height = size
    return {
        Image.Transpose.FLIP_LEFT_RIGHT: (width - x1, y0, width - x0, y1),
        Image.Transpose.FLIP_TOP_BOTTOM: (x0, height - y1, x1, height - y0),
        Image.Transpose.ROTATE_180: (width - x1, height - y1, width - x0, height - y0),
        Image.Transpose.ROTATE_90: (y0, width - x1, y1, width - x0),
        Image.Transpose.ROTATE_270: (height - y1, x0, height - y0, x1),
        Image.Transpose.TRANSPOSE: (y0, x0, y1, x1),
        Image.Transpose.TRANSVERSE: (height - y1, width - x1, height - y0, width - x0),
    }[method]
