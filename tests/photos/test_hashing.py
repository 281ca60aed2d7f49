"""Perceptual hashes: the same picture re-encoded, resized or cropped a little stays within the
lookalike distance; two different rooms do not; the banded lookup misses nothing brute force
would find."""

import random
from io import BytesIO
from itertools import product

import pytest
from django.conf import settings
from PIL import Image

from photos.hashing import (
    BANDS,
    band_neighbours,
    band_radii,
    hamming_distance,
    hash_bands,
    nearest,
    perceptual_hash,
    perceptual_hash_of_file,
)
from tests.photos import images


def reencoded(image: Image.Image, quality: int) -> bytes:
    return images.jpeg(image=image, quality=quality)


def hash_of(content: bytes) -> int:
    return perceptual_hash_of_file(content)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_same_room_re_encoded_resized_or_slightly_cropped_looks_alike(seed):
    room = images.room(seed)
    original = hash_of(reencoded(room, 92))

    copies = {
        "re-encoded": reencoded(room, 45),
        "resized": reencoded(room.resize((600, 450)), 80),
        "cropped 1%": reencoded(images.cropped(room, 0.01), 85),
        "cropped 2% and resized": reencoded(images.cropped(room, 0.02).resize((800, 600)), 80),
    }

    distances = {name: hamming_distance(original, hash_of(c)) for name, c in copies.items()}
    assert all(d <= settings.PHOTO_LOOKALIKE_MAX_DISTANCE for d in distances.values()), distances


def test_different_rooms_are_far_apart():
    hashes = [hash_of(reencoded(images.room(seed), 85)) for seed in range(12)]

    closest = min(hamming_distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :])
    assert closest > settings.PHOTO_LOOKALIKE_MAX_DISTANCE + 5


def test_the_hash_is_a_signed_64_bit_integer_with_four_16_bit_bands():
    value = perceptual_hash(images.room(7))

    assert -(2**63) <= value < 2**63
    bands = hash_bands(value)
    assert len(bands) == BANDS
    assert all(0 <= band < 2**16 for band in bands)
    assert sum(band << (16 * i) for i, band in enumerate(bands)) == value % 2**64


@pytest.mark.parametrize(
    ("max_distance", "radii"),
    [
        (0, (0, 0, 0, 0)),
        (3, (0, 0, 0, 0)),
        (7, (1, 1, 1, 1)),
        (10, (2, 2, 2, 1)),
        (11, (2, 2, 2, 2)),
    ],
)
def test_the_band_radii_add_up_to_the_distance_less_the_bands_but_one(max_distance, radii):
    assert band_radii(max_distance) == radii


@pytest.mark.parametrize("max_distance", range(17))
def test_however_the_differing_bits_fall_one_band_is_within_its_radius(max_distance):
    """The pigeonhole guarantee, over every way of spreading up to `max_distance` differing
    bits over the four bands: no hash within the distance can escape every band's probe."""
    radii = band_radii(max_distance)
    spreads = product(range(min(max_distance, 16) + 1), repeat=BANDS)

    escaping = [
        spread
        for spread in spreads
        if sum(spread) <= max_distance
        and all(bits > radius for bits, radius in zip(spread, radii, strict=True))
    ]
    assert escaping == []


def test_a_band_radius_of_two_probes_every_value_within_two_bits():
    neighbours = band_neighbours(0b1010, 2)

    assert len(neighbours) == len(set(neighbours)) == 1 + 16 + 120
    assert all(hamming_distance(0b1010, value) <= 2 for value in neighbours)


@pytest.mark.parametrize("max_distance", [3, 7, 10, 11])
def test_the_bands_find_every_hash_brute_force_finds(max_distance):
    rnd = random.Random(max_distance)
    query = rnd.getrandbits(64) - 2**63
    stored = [rnd.getrandbits(64) - 2**63 for _ in range(2000)]
    for distance in range(max_distance + 1):  # neighbours at every distance up to the limit
        bits = rnd.sample(range(64), distance)
        near = (query % 2**64) ^ sum(1 << bit for bit in bits)
        stored.append(near - 2**64 if near >= 2**63 else near)
    probes = [
        set(band_neighbours(band, radius))
        for band, radius in zip(hash_bands(query), band_radii(max_distance), strict=True)
    ]

    candidates = [
        (i, value)
        for i, value in enumerate(stored)
        if any(band in probe for band, probe in zip(hash_bands(value), probes, strict=True))
    ]
    brute = [(i, hamming_distance(query, v)) for i, v in enumerate(stored)]
    expected = sorted(
        ((i, d) for i, d in brute if d <= max_distance), key=lambda pair: (pair[1], pair[0])
    )
    assert nearest(candidates, query, max_distance) == expected
    assert len(expected) >= max_distance + 1
    assert len(candidates) < len(stored) / 4  # the bands narrow the search


def test_a_thumbnail_hashes_like_its_original():
    room = images.room(3)
    thumb = BytesIO()
    room.resize((400, 300)).save(thumb, "JPEG", quality=82)

    distance = hamming_distance(perceptual_hash(room), hash_of(thumb.getvalue()))
    assert distance <= 2
