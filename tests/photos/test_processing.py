"""Rendering a picture that decodes whole (PNG, WebP, HEIC): band by band, as if whole."""

from io import BytesIO

import pytest
from PIL import Image

from photos import processing
from photos.processing import VARIANT_WIDTHS, render_variants
from tests.photos import images

RED, BLUE = (255, 0, 0), (0, 0, 255)


def gradient(width: int, height: int, *, alpha: bool) -> Image.Image:
    """Colour and transparency that change everywhere, so any misplaced block shows."""
    across = Image.linear_gradient("L").resize((width, height))
    around = Image.radial_gradient("L").resize((width, height))
    image = Image.merge("RGB", (across, around, across.transpose(Image.Transpose.ROTATE_180)))
    if alpha:
        image.putalpha(around)
    return image


def saved(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def whole_then_resized(content: bytes) -> dict[tuple[int, int], bytes]:
    """The straightforward rendering, which the bands must reproduce exactly: flatten the
    full-size picture, resize each variant from it (the thumbnail from the medium one)."""
    decoded = processing._flatten(Image.open(BytesIO(content)))
    large, medium = (
        decoded.resize(
            processing._scaled(*decoded.size, VARIANT_WIDTHS[name]),
            Image.Resampling.BICUBIC,
            reducing_gap=1.0,
        )
        for name in ("large", "medium")
    )
    thumb = medium.resize(
        processing._scaled(*decoded.size, VARIANT_WIDTHS["thumb"]),
        Image.Resampling.BICUBIC,
        reducing_gap=2.0,
    )
    return {picture.size: picture.tobytes() for picture in (large, medium, thumb)}


def close_to(pixel, colour) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize(
    ("image_format", "mode", "size"),
    [
        ("PNG", "RGBA", (4001, 2999)),  # sides no factor divides: partial last blocks
        ("PNG", "RGB", (3000, 4003)),
        ("PNG", "P", (3333, 2222)),
        ("WEBP", "RGBA", (4000, 3000)),
    ],
)
def test_bands_give_exactly_the_pixels_of_the_whole_picture(monkeypatch, image_format, mode, size):
    picture = gradient(*size, alpha=mode == "RGBA")
    if mode == "P":
        picture = picture.convert("P", palette=Image.Palette.ADAPTIVE)
    content = saved(picture, image_format, **({"lossless": True} if mode == "RGBA" else {}))
    encoded = {}
    encode = processing._encode

    def keep_pixels(image):
        encoded[image.size] = image.tobytes()
        return encode(image)

    monkeypatch.setattr(processing, "_encode", keep_pixels)

    rendered = render_variants(content, set(VARIANT_WIDTHS))

    assert len(rendered.variants) == 3
    assert encoded == whole_then_resized(content)


@pytest.mark.parametrize(("orientation", "top", "bottom"), [(6, RED, BLUE), (8, BLUE, RED)])
def test_a_sideways_png_comes_out_upright(orientation, top, bottom):
    # Stored 4000×3000, left half red; orientation 6 means "turn 90° clockwise to view".
    content = saved(
        images.two_halves(4000, 3000), "PNG", exif=images.photo_exif(orientation=orientation)
    )

    rendered = render_variants(content, set(VARIANT_WIDTHS))

    assert (rendered.width, rendered.height) == (3000, 4000)
    for variant in rendered.variants:
        picture = Image.open(BytesIO(variant.files["jpeg"])).convert("RGB")
        assert picture.size == (variant.width, variant.height)
        assert picture.width < picture.height, variant.name
        assert close_to(picture.getpixel((picture.width // 2, 2)), top), variant.name
        assert close_to(picture.getpixel((picture.width // 2, picture.height - 3)), bottom)


@pytest.mark.parametrize("make", [images.heic, images.webp, images.png])
def test_transparent_pixels_of_any_format_land_on_white(make):
    content = make(3300, 2000, colour=(0, 0, 0, 0), mode="RGBA")  # shrunk in bands

    rendered = render_variants(content, set(VARIANT_WIDTHS))

    for variant in rendered.variants:
        picture = Image.open(BytesIO(variant.files["jpeg"])).convert("RGB")
        assert all(channel > 245 for channel in picture.getpixel((10, 10))), variant.name
