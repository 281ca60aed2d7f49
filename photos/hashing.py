"""Perceptual hashes of photos, and finding the photos that look alike without comparing every pair.

A photo's hash is imagehash's 64-bit pHash of its thumbnail (upright, sRGB, 400 px: what every
photo model's pipeline makes anyway, so the same picture re-encoded, resized or slightly cropped
hashes within a few bits; two different rooms differ by 25 or more). It is stored signed (a
BigIntegerField) and split into four 16-bit bands, each in an indexed column.

Finding hashes within `max_distance` bits (multi-index hashing, with the general pigeonhole
principle): give band i a radius r_i with r_0 + … + r_3 = max_distance - 3. If every band of a
stored hash differed from the photo's by more than its radius, the two would differ by at least
(r_0 + 1) + … + (r_3 + 1) = max_distance + 1 bits; so every hash within `max_distance` has a band
within its radius. For the lookalike limit of 10 bits the radii are 2, 2, 2 and 1: the lookup
probes 137 + 137 + 137 + 17 band values, among a million uniformly spread hashes about 6,500
candidates.

Those candidates are read from the band indexes alone: each index holds its band and the whole
hash, and on PostgreSQL the distance is measured there too (`bit_count` of the XOR), so only the
few hashes within it leave the database, and a second query finds their photos in the queryset.
At a million hashes that takes 4 ms (p50) where fetching every candidate's row took 47
(`bench/photo_hashes.py`). SQLite (and PostgreSQL before 14) has no `bit_count`: the candidates'
hashes come back and are measured here.
"""

from collections.abc import Iterable
from functools import reduce
from io import BytesIO
from itertools import combinations
from operator import or_

import imagehash
from django.db import connections
from django.db.models import QuerySet
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


def band_radii(max_distance: int) -> tuple[int, ...]:
    """How many bits each band may differ by so no hash within `max_distance` is missed: radii
    adding up to max_distance - BANDS + 1, as even as they can be (the module's docstring)."""
    budget = max(0, max_distance - BANDS + 1)
    return tuple(budget // BANDS + (band < budget % BANDS) for band in range(BANDS))


def band_neighbours(band_value: int, radius: int) -> list[int]:
    """Every 16-bit value within `radius` bits of `band_value`, itself first."""
    values = [band_value]
    for flipped in range(1, radius + 1):
        for bits in combinations(range(BAND_BITS), flipped):
            values.append(band_value ^ reduce(or_, (1 << bit for bit in bits)))
    return values


def near_hashes_sql(
    model, value: int, max_distance: int, *, using: str, measured: bool = True
) -> tuple[str, list]:
    """The stored hashes of `model` whose band is within its radius of `value`'s, one index-only
    scan per band: `SELECT hash … WHERE band_0 IN (…) UNION ALL …`. With `measured` on
    PostgreSQL, only those within `max_distance` bits. Written as SQL with parameters because the
    ORM's `__in` prepares each of the ~430 values one by one (15 ms, bench/photo_hashes.py)."""
    database = connections[using]
    quote = database.ops.quote_name
    table = quote(model._meta.db_table)
    hash_column = quote(model._meta.get_field("perceptual_hash").column)
    in_database = measured and _has_bit_count(database)
    arms, params = [], []
    for field, band, radius in zip(
        BAND_FIELDS, hash_bands(value), band_radii(max_distance), strict=True
    ):
        neighbours = band_neighbours(band, radius)
        column = quote(model._meta.get_field(field).column)
        placeholders = ", ".join(["%s"] * len(neighbours))
        arm = f"SELECT {hash_column} FROM {table} WHERE {column} IN ({placeholders})"  # noqa: S608
        params.extend(neighbours)
        if in_database:
            arm += f" AND bit_count(({hash_column} # %s)::bit(64)) <= %s"
            params.extend([value, max_distance])
        arms.append(arm)
    # Only quoted names of the model's own columns and placeholders: the values are parameters.
    return " UNION ALL ".join(arms), params


def _has_bit_count(database) -> bool:
    return database.vendor == "postgresql" and database.pg_version >= 140000


def near_hashes(model, value: int, max_distance: int, *, using: str) -> list[int]:
    """The distinct stored hashes of `model` within `max_distance` bits of `value`."""
    sql, params = near_hashes_sql(model, value, max_distance, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0] for row in cursor.fetchall()}
    return sorted(other for other in found if hamming_distance(value, other) <= max_distance)


def lookalikes(queryset: QuerySet, value: int, max_distance: int) -> list[tuple[int, int]]:
    """(photo id, distance) of the photos in `queryset` within `max_distance` bits of `value`,
    nearest first. The hashes within it come from the band indexes alone, over the whole table
    (the queryset's own filters would make the database read each candidate's row); the photos
    with those hashes are then looked up in `queryset`: a second query only when there are any,
    answered by the first band's index."""
    found = near_hashes(queryset.model, value, max_distance, using=queryset.db)
    if not found:
        return []
    photos = queryset.filter(
        **{
            f"{BAND_FIELDS[0]}__in": sorted({hash_bands(other)[0] for other in found}),
            "perceptual_hash__in": found,
        }
    ).values_list("pk", "perceptual_hash")
    return nearest(photos, value, max_distance)


def nearest(
    candidates: Iterable[tuple[int, int]], value: int, max_distance: int
) -> list[tuple[int, int]]:
    found = []
    for photo_id, other in candidates:
        distance = hamming_distance(value, other)
        if distance <= max_distance:
            found.append((photo_id, distance))
    return sorted(found, key=lambda pair: (pair[1], pair[0]))
