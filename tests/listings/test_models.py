"""The listing row: its computed price per m², its checks and the constraints behind them."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from listings.models import Listing
from tests.accounts.factories import AgentFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return ListingFactory(price=46_000, area_m2=Decimal("52.00"))


@pytest.mark.parametrize(
    ("price", "area", "price_per_m2"),
    [
        (46_000, "52.00", 885),  # 884.6
        (46_000, "50.00", 920),  # exact
        (1001, "2.00", 501),  # 500.5: half up
        (1003, "2.00", 502),  # 501.5: half up, not to even
        (999, "2.00", 500),  # 499.5
        (1000, "3.00", 333),  # 333.33
        (2000, "3.00", 667),  # 666.67
        (100_000_000, "1.00", 100_000_000),
        (1, "10000.00", 0),  # 0.0001
        (70_000, "33.33", 2100),  # 2100.21
    ],
)
def test_price_per_m2_is_stored_rounded_half_up(price, area, price_per_m2):
    listing = ListingFactory(price=price, area_m2=Decimal(area))

    listing.refresh_from_db()

    assert listing.price_per_m2 == price_per_m2
    assert Listing.objects.filter(price_per_m2=price_per_m2, pk=listing.pk).exists()


@pytest.mark.parametrize(
    ("price", "area", "price_per_m2"),
    [(28_600, "35.20", 813), (33_000, "35.20", 938), (40_500, "43.20", 938)],
)
def test_an_exact_half_is_rounded_up_whatever_the_area(price, area, price_per_m2):
    listing = ListingFactory(price=price, area_m2=Decimal(area))

    listing.refresh_from_db()

    assert listing.price_per_m2 == price_per_m2


def test_price_per_m2_follows_a_price_change(listing):
    listing.price = 52_000
    listing.save()

    listing.refresh_from_db()

    assert listing.price_per_m2 == 1000


def test_price_per_m2_follows_an_area_change(listing):
    listing.area_m2 = Decimal("46.00")
    listing.save()

    listing.refresh_from_db()

    assert listing.price_per_m2 == 1000


def test_price_per_m2_follows_a_queryset_update(listing):
    Listing.objects.filter(pk=listing.pk).update(price=104_000)

    listing.refresh_from_db()

    assert listing.price_per_m2 == 2000


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"floor": 99}, id="floor-above-building"),
        pytest.param({"floor": 0}, id="floor-zero"),
        pytest.param({"price": 0}, id="price-zero"),
        pytest.param({"area_m2": Decimal("0")}, id="area-zero"),
        pytest.param({"published_at": None}, id="active-without-published-at"),
    ],
)
def test_database_refuses_what_validation_would_refuse(listing, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(**change)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"price": 0}, id="price-zero"),
        pytest.param({"area_m2": Decimal("0.00")}, id="area-zero"),
        pytest.param({"floor": 7, "total_floors": 6}, id="floor-above-building"),
        pytest.param({"status": "active", "published_at": None}, id="active-unpublished"),
    ],
)
def test_bulk_create_cannot_bypass_the_constraints(change):
    district = DistrictFactory()
    agent = AgentFactory()
    bad = ListingFactory.build(agent=agent, district=district, **change)

    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.bulk_create([bad])

    assert not Listing.objects.exists()


def test_a_draft_may_have_no_published_at():
    ListingFactory(draft=True)

    assert Listing.objects.get().published_at is None


def test_clean_refuses_a_floor_above_the_building(listing):
    listing.floor = 7

    with pytest.raises(ValidationError) as error:
        listing.full_clean()

    assert "floor" in error.value.message_dict


def test_clean_refuses_a_district_of_another_city(listing):
    listing.district = DistrictFactory(city=CityFactory(slug="elsewhere"))

    with pytest.raises(ValidationError) as error:
        listing.full_clean()

    assert "district" in error.value.message_dict


def test_a_valid_listing_passes_full_clean(listing):
    listing.full_clean()


@pytest.mark.parametrize(
    ("status", "is_for_sale"),
    [
        ("draft", False),
        ("active", True),
        ("reserved", False),
        ("sold", False),
        ("withdrawn", False),
    ],
)
def test_only_an_active_listing_is_for_sale(status, is_for_sale):
    assert Listing(status=status).is_for_sale is is_for_sale


def test_visible_to_gives_everyone_what_was_published_and_agents_their_own():
    # Given an active and a sold listing, a draft, and a listing put back in draft
    active = ListingFactory()
    sold = ListingFactory(status=Listing.Status.SOLD)
    draft = ListingFactory(draft=True)
    back_in_draft = ListingFactory(agent=draft.agent, status=Listing.Status.DRAFT)
    other_agent = AgentFactory()
    superuser = AgentFactory(is_superuser=True)

    # Then the drafts are visible to their agent and a superuser only
    assert set(Listing.objects.visible_to(AnonymousUser())) == {active, sold}
    assert set(Listing.objects.visible_to(other_agent)) == {active, sold}
    assert set(Listing.objects.visible_to(draft.agent)) == {active, sold, draft, back_in_draft}
    assert set(Listing.objects.visible_to(superuser)) == {active, sold, draft, back_in_draft}


def test_default_order_is_newest_first_with_id_tie_break():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    older = ListingFactory(published_at=datetime(2025, 1, 1, tzinfo=UTC))
    first_twin = ListingFactory(published_at=moment)
    second_twin = ListingFactory(published_at=moment)

    assert list(Listing.objects.all()) == [second_twin, first_twin, older]


def test_names_follow_the_active_language():
    district = DistrictFactory(
        city=CityFactory(
            slug="hegang",
            name="Hegang",
            name_zh="鹤岗",
            province="Heilongjiang",
            province_zh="黑龙江",
        ),
        name="Xiangyang",
        name_zh="向阳区",
    )

    with translation.override("zh-hans"):
        assert (str(district.city), district.city.local_province, str(district)) == (
            "鹤岗",
            "黑龙江",
            "向阳区",
        )
    with translation.override("en"):
        assert (str(district.city), district.city.local_province, str(district)) == (
            "Hegang",
            "Heilongjiang",
            "Xiangyang",
        )


def test_absolute_url_is_the_detail_page(listing):
    assert listing.get_absolute_url() == f"/listings/{listing.pk}/"
