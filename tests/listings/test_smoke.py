import pytest

from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_price_per_m2_is_computed_by_the_database():
    listing = ListingFactory(price=46_000, area_m2="50.00")
    listing.refresh_from_db()
    assert listing.price_per_m2 == 920
