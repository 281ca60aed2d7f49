"""Demo photos drawn with Pillow: plain rooms of old northeastern flats, no downloads."""

import random
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter

WALLS = [(236, 232, 220), (222, 214, 196), (205, 219, 214), (240, 236, 228), (214, 205, 190)]
FLOORS = [(150, 104, 66), (121, 85, 58), (178, 150, 118), (140, 140, 140), (196, 172, 140)]
SKY = [(173, 205, 232), (196, 214, 230), (150, 180, 205)]


def draw_room(rng: random.Random, width: int = 1000, height: int = 750) -> bytes:
    """A room seen from the door: wall, floor, a window, a radiator under it, sometimes a door."""
    image = Image.new("RGB", (width, height), rng.choice(WALLS))
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.62, 0.72))
    floor = rng.choice(FLOORS)
    draw.rectangle([0, horizon, width, height], fill=floor)
    for board in range(0, width, rng.randint(60, 110)):  # floorboards or tiles
        shade = tuple(max(0, channel - 18) for channel in floor)
        draw.line([board, horizon, board - width // 3, height], fill=shade, width=3)
    window_left = int(width * rng.uniform(0.25, 0.45))
    window_width = int(width * rng.uniform(0.25, 0.35))
    window_top = int(height * 0.15)
    window_bottom = int(horizon * 0.78)
    draw.rectangle(
        [window_left, window_top, window_left + window_width, window_bottom], fill=rng.choice(SKY)
    )
    frame = (250, 250, 250)
    draw.rectangle(
        [window_left, window_top, window_left + window_width, window_bottom],
        outline=frame,
        width=14,
    )
    middle = window_left + window_width // 2
    draw.line([middle, window_top, middle, window_bottom], fill=frame, width=10)
    radiator_top = window_bottom + 30
    for fin in range(window_left, window_left + window_width, 22):  # the cast-iron radiator
        draw.rectangle(
            [fin, radiator_top, fin + 14, horizon - 15],
            fill=(228, 228, 224),
            outline=(170, 170, 165),
        )
    if rng.random() < 0.6:
        door_left = int(width * rng.uniform(0.75, 0.82))
        draw.rectangle(
            [door_left, int(height * 0.2), door_left + int(width * 0.14), horizon],
            fill=(160, 120, 84),
        )
    # A little blur and grain so it compresses like a photo, not like a flat drawing.
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    noise = Image.effect_noise((width, height), 12).convert("RGB")
    image = Image.blend(image, noise, 0.06)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
