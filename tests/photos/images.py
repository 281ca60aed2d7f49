"""Test files made in memory: photos phones send, and the hostile files people also send."""

import functools
import os
import struct
import zlib
from datetime import datetime
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

ORIENTATION = 0x0112
MAKE = 0x010F
MODEL = 0x0110
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="47,20.1N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def upload(content: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def picture(width: int = 800, height: int = 600, colour="steelblue", mode: str = "RGB"):
    return Image.new(mode, (width, height), colour)


def two_halves(width: int = 600, height: int = 400) -> Image.Image:
    """Left half red, right half blue: orientation mistakes show as a red or blue top."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def noise(width: int = 400, height: int = 300) -> Image.Image:
    """Incompressible pixels, so most of a JPEG's bytes are scan data."""
    return Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))


def photo_exif(
    *,
    orientation: int | None = None,
    gps: tuple[float, float] | None = None,
    taken: datetime | None = None,
    camera: tuple[str, str] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if camera is not None:
        exif[MAKE], exif[MODEL] = camera
    if taken is not None:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if gps is not None:
        latitude, longitude = gps
        exif.get_ifd(GPS_IFD).update(
            {
                1: "N" if latitude >= 0 else "S",
                2: _degrees(abs(latitude)),
                3: "E" if longitude >= 0 else "W",
                4: _degrees(abs(longitude)),
            }
        )
    return exif


def _degrees(value: float) -> tuple[float, float, float]:
    minutes, seconds = divmod(value * 3600, 60)
    degrees, minutes = divmod(minutes, 60)
    return float(degrees), float(minutes), round(seconds, 2)


def jpeg(
    width: int = 800,
    height: int = 600,
    *,
    image: Image.Image | None = None,
    exif: Image.Exif | None = None,
    icc_profile: bytes | None = None,
    xmp: bytes | None = None,
    comment: bytes | None = None,
    quality: int = 90,
    progressive: bool = False,
) -> bytes:
    image = image or picture(width, height)
    options = {"quality": quality, "progressive": progressive}
    if exif is not None:
        options["exif"] = exif
    if icc_profile:
        options["icc_profile"] = icc_profile
    if xmp:
        options["xmp"] = xmp
    if comment:
        options["comment"] = comment
    return _save(image, "JPEG", **options)


def png(
    width: int = 800, height: int = 600, *, image: Image.Image | None = None, **colour_and_mode
) -> bytes:
    return _save(image or picture(width, height, **colour_and_mode), "PNG")


def webp(width: int = 800, height: int = 600, **colour_and_mode) -> bytes:
    return _save(picture(width, height, **colour_and_mode), "WEBP", quality=80)


def heic(width: int = 800, height: int = 600, **colour_and_mode) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return _save(picture(width, height, **colour_and_mode), "HEIF", quality=80)


def mpo(width: int = 800, height: int = 600) -> bytes:
    """A JPEG with a second picture after it (MPF), as many phones write: Pillow calls it MPO."""
    second = picture(width // 4, height // 4, "gray")
    return _save(picture(width, height), "MPO", save_all=True, append_images=[second])


def _save(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


# --- hostile files ----------------------------------------------------------------------


@functools.cache
def png_bomb(side: int = 20_000) -> bytes:
    """A valid all-black 1-bit PNG of 400 megapixels in about 50 KB; decoded, 400 MB or more.

    Written by hand because deflating 50 MB of zeros directly is four times faster than Pillow.
    """
    row = b"\0" * (1 + (side + 7) // 8)  # filter byte, then the packed pixels
    deflate = zlib.compressobj(9)
    rows_per_block = 1000
    data = b"".join(
        deflate.compress(row * min(rows_per_block, side - start))
        for start in range(0, side, rows_per_block)
    )
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data + deflate.flush())
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def gif_bomb() -> bytes:
    """A 1×1 GIF on a 65535×65535 canvas: 4 gigapixels once a decoder allocates the screen."""
    return (
        b"GIF89a"
        + struct.pack("<HH", 65535, 65535)
        + b"\x80\x00\x00"  # global colour table of 2, background 0, no aspect ratio
        + b"\xff\xff\xff\x00\x00\x00"
        + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00"  # image descriptor: 1×1 at 0,0
        + b"\x02\x02D\x01\x00"  # LZW minimum code size 2, one data block
        + b";"
    )


def fifty_megapixels() -> bytes:
    """A real 10000×5000 JPEG of one colour: well-formed, 0.1 s to make, 50 MP to decode."""
    return _save(Image.new("L", (10_000, 5_000)), "JPEG", quality=10)


def truncated_jpeg() -> bytes:
    whole = jpeg(image=noise(400, 300))
    return whole[: len(whole) // 2]


def html_as_jpeg() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def svg_as_jpeg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">'
        b"<script>alert(document.cookie)</script></svg>"
    )


def png_with_html() -> bytes:
    return png() + b"<html><script>alert(document.cookie)</script></html>"


def eps() -> bytes:
    """Pillow hands EPS to Ghostscript: an upload must never reach it."""
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n"
        b"%%BoundingBox: 0 0 10 10\n"
        b"%%EndComments\n"
        b"newpath 0 0 moveto 10 10 lineto stroke\n"
        b"showpage\n"
        b"%%EOF\n"
    )


def oversized(max_bytes: int = 20_000_000) -> bytes:
    """A JPEG's start followed by padding, one byte over the limit: the size check must come first."""
    start = jpeg(400, 300)
    return start + b"\0" * (max_bytes + 1 - len(start))


HOSTILE = {
    # name: (file content maker, upload name, part of the message)
    "empty": (lambda: b"", "empty.jpg", "This file is empty."),
    "over 20 MB": (oversized, "huge.jpg", "larger than 20 MB"),
    "PNG bomb": (png_bomb, "bomb.png", "too many pixels"),
    "GIF bomb": (gif_bomb, "bomb.jpg", "not a photo we can use"),
    "50 megapixels": (fifty_megapixels, "big.jpg", "too many pixels"),
    "truncated JPEG": (truncated_jpeg, "half.jpg", "damaged or incomplete"),
    "HTML as .jpg": (html_as_jpeg, "page.jpg", "not a photo we can use"),
    "SVG as .jpg": (svg_as_jpeg, "drawing.jpg", "not a photo we can use"),
    "PNG + HTML": (png_with_html, "polyglot.png", "hidden after the picture"),
    "EPS": (eps, "vector.jpg", "not a photo we can use"),
}


def room(seed: int, width: int = 1200, height: int = 900) -> Image.Image:
    """A picture with real structure, as a photo of a room has: a wall's gradient, furniture-like
    shapes and sensor noise, all from the seed, so two seeds are two different rooms."""
    import random

    from PIL import ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = [rnd.randrange(256) for _ in range(3)]
    bottom = [rnd.randrange(256) for _ in range(3)]
    for y in range(height):
        share = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * share) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(14):
        x0, y0 = rnd.randrange(width), rnd.randrange(height)
        box = [x0, y0, x0 + rnd.randrange(60, 500), y0 + rnd.randrange(60, 400)]
        colour = tuple(rnd.randrange(256) for _ in range(3))
        (draw.rectangle if rnd.random() < 0.6 else draw.ellipse)(box, fill=colour)
    grain = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(image, grain, 0.15)


def cropped(image: Image.Image, share: float) -> Image.Image:
    """The picture with `share` of each side cut off."""
    dx, dy = int(image.width * share), int(image.height * share)
    return image.crop((dx, dy, image.width - dx, image.height - dy))
