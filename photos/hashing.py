"""Perceptual hashes of photos, and finding the photos that look alike without comparing every pair.

A photo's hash is imagehash's 64-bit pHash of its thumbnail (upright, sRGB, 400 px: what every
photo model's pipeline makes anyway, so the same picture re-encoded, resized or slightly cropped
hashes within a few bits; two different rooms differ by 25 or more). It is stored signed (a
BigIntegerField) and split into four 16-bit bands, each in an indexed column.

Finding hashes within `max_distance` bits (multi-index hashing): if two hashes differ in at most
d bits, one of the four bands differs in at most ⌊d / 4⌋ of its 16 (pigeonhole). So the lookup
asks the indexes for every band value within that radius of the photo's own (1 + 16 + 120 values
per band for a radius of 2), then measures the whole distance of those candidates only. Among
a million uniformly spread hashes a radius of 2 reads about 8,000 candidates, a radius of 1
about 1,000; `bench/photo_hashes.py` measures it.
"""

from collections.abc import Iterable
from functools import reduce
from io import BytesIO
from itertools import combinations
from operator import or_

import imagehash
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from PIL import Image

HASH_BITS = 64
BANDS = 4
BAND_BITS = HASH_BITS // BANDS
BAND_MASK = (1 << BAND_BITS) - 1
UNSIGNED = 1 << HASH_BITS
BAND_FIELDS = tuple(f"hash_band_{band}" for band in range(BANDS))


def perceptual_hash(image: Image.Image) -> int:
    """The picture's 64-bit pHash as a signed integer (what a BigIntegerField holds)."""
    unsigned = int(str(imagehash.phash(image, hash_size=8)), 16)
    return unsigned - UNSIGNED if unsigned >= UNSIGNED // 2 else unsigned


def perceptual_hash_of_file(content: bytes) -> int:
    with Image.open(BytesIO(content)) as image:
        image.draft("RGB", (256, 256))  # a JPEG thumbnail decodes at a fraction of its size
        return perceptual_hash(image.convert("RGB"))


def hash_bands(value: int) -> tuple[int, ...]:
    unsigned = value % UNSIGNED
    return tuple((unsigned >> (band * BAND_BITS)) & BAND_MASK for band in range(BANDS))


def hamming_distance(first: int, second: int) -> int:
    return ((first ^ second) % UNSIGNED).bit_count()


def band_radius(max_distance: int) -> int:
    """How many bits a band may differ by so no hash within `max_distance` is missed."""
    return max(0, max_distance) // BANDS


def band_neighbours(band_value: int, radius: int) -> list[int]:
    """Every 16-bit value within `radius` bits of `band_value`, itself first."""
    values = [band_value]
    for flipped in range(1, radius + 1):
        for bits in combinations(range(BAND_BITS), flipped):
            values.append(band_value ^ reduce(or_, (1 << bit for bit in bits)))
    return values


def lookalike_candidates(model, value: int, max_distance: int) -> RawSQL:
    """A filter matching at least every stored hash of `model` within `max_distance` bits of
    `value`: `band_0 IN (…) OR band_1 IN (…) …`, which the database answers from the four band
    indexes. Written as SQL with parameters because the ORM's `__in` prepares each of the ~550
    values one by one (15 ms, ten times the query's own time, measured in bench/photo_hashes.py).
    """
    radius = band_radius(max_distance)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    clauses, params = [], []
    for field, band in zip(BAND_FIELDS, hash_bands(value), strict=True):
        neighbours = band_neighbours(band, radius)
        column = quote(model._meta.get_field(field).column)
        clauses.append(f"{table}.{column} IN ({', '.join(['%s'] * len(neighbours))})")
        params.extend(neighbours)
    # Only quoted names of the model's own columns and placeholders: the values are parameters.
    return RawSQL(f"({' OR '.join(clauses)})", params, output_field=BooleanField())  # noqa: S611


def lookalikes(queryset: QuerySet, value: int, max_distance: int) -> list[tuple[int, int]]:
    """(photo id, distance) of the photos in `queryset` within `max_distance` bits of `value`,
    nearest first. The candidates come from the band indexes alone, over the whole table (the
    queryset's own filters would make the database read each candidate's row); the distance is
    measured on those, and the few within it are then checked against `queryset`: a second
    query only when there are any."""
    model = queryset.model
    candidates = (
        model._base_manager.filter(lookalike_candidates(model, value, max_distance))
        .order_by()
        .values_list("pk", "perceptual_hash")
    )
    found = nearest(candidates, value, max_distance)
    if not found:
        return []
    kept = set(queryset.filter(pk__in=[pk for pk, _d in found]).values_list("pk", flat=True))
    return [(pk, distance) for pk, distance in found if pk in kept]


def nearest(
    candidates: Iterable[tuple[int, int]], value: int, max_distance: int
) -> list[tuple[int, int]]:
    found = []
    for photo_id, other in candidates:
        distance = hamming_distance(value, other)
        if distance <= max_distance:
            found.append((photo_id, distance))
    return sorted(found, key=lambda pair: (pair[1], pair[0]))
