"""`photos.hashing.lookalikes` against the database (SQLite here, PostgreSQL in CI's run with
DATABASE_URL): among random stored hashes it finds every one within the distance, whichever
bands its differing bits fall in, and nothing farther; and it keeps to the queryset."""

import random

import pytest

from listings.models import ListingPhoto
from photos.hashing import BAND_BITS, BANDS, band_radii, hamming_distance, lookalikes
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

STORED = 3000


def signed(unsigned: int) -> int:
    return unsigned - 2**64 if unsigned >= 2**63 else unsigned


def flipped(value: int, bits) -> int:
    return signed((value % 2**64) ^ sum(1 << bit for bit in bits))


def spread_over_bands(value: int, per_band, rnd: random.Random) -> int:
    """`value` with per_band[i] bits of band i flipped."""
    bits = [
        band * BAND_BITS + bit
        for band, count in enumerate(per_band)
        for bit in rnd.sample(range(BAND_BITS), count)
    ]
    return flipped(value, bits)


def neighbours_of(query: int, max_distance: int, rnd: random.Random) -> list[int]:
    """Hashes at every distance up to max_distance + 2, the bits anywhere, and the hardest
    cases: as many bits as possible in each band beyond its radius (one over it in all but one)."""
    near = [flipped(query, rnd.sample(range(64), d)) for d in range(max_distance + 3) for _ in "ab"]
    radii = band_radii(max_distance)
    for lucky in range(BANDS):
        per_band = [radius + 1 for radius in radii]
        per_band[lucky] = max_distance - sum(per_band) + per_band[lucky]
        if per_band[lucky] >= 0:
            near.append(spread_over_bands(query, per_band, rnd))
    return near


def stored_photos(hashes: list[int], listing=None) -> list[ListingPhoto]:
    listing = listing or ListingFactory()
    photos = []
    for number, value in enumerate(hashes):
        photo = ListingPhoto(
            listing=listing,
            original=f"listings/{listing.pk}/originals/{number}.jpg",
            content_hash=f"{listing.pk:032d}{number:032d}",
            position=number % 30_000,
            status=ListingPhoto.Status.READY,
        )
        photo.set_perceptual_hash(value)
        photos.append(photo)
    return ListingPhoto.objects.bulk_create(photos)


@pytest.mark.parametrize("max_distance", [3, 7, 10])
def test_every_stored_hash_within_the_distance_is_found_and_nothing_farther(max_distance):
    rnd = random.Random(max_distance)
    query = signed(rnd.getrandbits(64))
    hashes = [signed(rnd.getrandbits(64)) for _ in range(STORED)]
    hashes += neighbours_of(query, max_distance, rnd)
    photos = stored_photos(hashes)

    found = lookalikes(ListingPhoto.objects.all(), query, max_distance)

    brute_force = sorted(
        (
            (photo.pk, hamming_distance(query, photo.perceptual_hash))
            for photo in photos
            if hamming_distance(query, photo.perceptual_hash) <= max_distance
        ),
        key=lambda pair: (pair[1], pair[0]),
    )
    assert found == brute_force
    assert len(found) >= 2 * (max_distance + 1)  # the planted ones at least
    assert max(distance for _pk, distance in found) == max_distance


def test_a_hash_stored_twice_is_found_on_both_photos_and_only_in_the_queryset():
    rnd = random.Random(5)
    query = signed(rnd.getrandbits(64))
    near = flipped(query, [0, 17, 40])
    mine = stored_photos([near, signed(rnd.getrandbits(64))])
    others = stored_photos([near, flipped(query, [63])])

    found = lookalikes(ListingPhoto.objects.exclude(listing=mine[0].listing), query, 10)

    assert found == [(others[1].pk, 1), (others[0].pk, 3)]


def test_no_stored_hash_nearby_finds_nothing():
    rnd = random.Random(6)
    stored_photos([signed(rnd.getrandbits(64)) for _ in range(200)])
    far = [photo.perceptual_hash for photo in ListingPhoto.objects.all()]
    query = next(
        value
        for value in (signed(rnd.getrandbits(64)) for _ in range(100))
        if min(hamming_distance(value, other) for other in far) > 10
    )

    assert lookalikes(ListingPhoto.objects.all(), query, 10) == []
