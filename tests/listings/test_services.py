"""Listing writes and the cached market figures."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from listings import selectors, services
from listings.models import Listing
from listings.selectors import CityMarket
from listings.tasks import refresh_city_market_stats
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

EARLIER = datetime(2026, 1, 1, tzinfo=UTC)
ALL_STATUSES = ["draft", "active", "reserved", "sold", "withdrawn"]
ALLOWED = {
    ("draft", "active"),
    ("draft", "withdrawn"),
    ("active", "reserved"),
    ("active", "sold"),
    ("active", "withdrawn"),
    ("reserved", "active"),
    ("reserved", "sold"),
    ("reserved", "withdrawn"),
    ("withdrawn", "active"),
    ("withdrawn", "draft"),
}


@pytest.fixture
def district():
    return DistrictFactory(city=CityFactory(slug="hegang", name="Hegang"), name="Xiangyang")


@pytest.fixture
def agent():
    return AgentFactory()


def listing_in(status: str, **extra) -> Listing:
    return ListingFactory(
        status=status, published_at=None if status == "draft" else EARLIER, **extra
    )


def new_listing_data(district, **overrides) -> dict:
    return {
        "city": district.city,
        "district": district,
        "title": "南北通透",
        "price": 46_000,
        "area_m2": Decimal("52.00"),
        "rooms": 2,
        "floor": 5,
        "total_floors": 6,
        **overrides,
    }


# --- create and update -------------------------------------------------------------


def test_create_makes_a_draft_of_the_agent(agent, district):
    listing = services.listing_create(by=agent, data=new_listing_data(district))

    listing.refresh_from_db()
    assert listing.agent == agent
    assert listing.status == Listing.Status.DRAFT
    assert listing.published_at is None
    assert listing.price_per_m2 == 885


def test_create_can_publish_at_once(agent, district):
    listing = services.listing_create(by=agent, data=new_listing_data(district, status="active"))

    assert listing.status == Listing.Status.ACTIVE
    assert listing.published_at is not None


def test_create_ignores_fields_an_agent_may_not_set(agent, district):
    other = AgentFactory()

    listing = services.listing_create(
        by=agent,
        data=new_listing_data(district, agent=other, published_at=EARLIER, price_per_m2=1),
    )

    listing.refresh_from_db()
    assert listing.agent == agent
    assert listing.published_at is None
    assert listing.price_per_m2 == 885


def test_only_an_agent_can_create(district):
    with pytest.raises(ValidationError):
        services.listing_create(by=BuyerFactory(), data=new_listing_data(district))

    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"floor": 7}, "floor"),
        ({"price": 0}, "price"),
        ({"area_m2": Decimal("0")}, "area_m2"),
        ({"status": "sold"}, "status"),
    ],
)
def test_create_refuses_bad_data_and_saves_nothing(agent, district, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.listing_create(by=agent, data=new_listing_data(district, **overrides))

    assert field in error.value.message_dict
    assert not Listing.objects.exists()


def test_create_refuses_a_district_of_another_city(agent, district):
    other_city = CityFactory(slug="qitaihe")

    with pytest.raises(ValidationError) as error:
        services.listing_create(by=agent, data=new_listing_data(district, city=other_city))

    assert "district" in error.value.message_dict


def test_update_keeps_price_per_m2_consistent_in_the_database():
    listing = ListingFactory(price=46_000, area_m2=Decimal("52.00"))

    services.listing_update(listing=listing, by=listing.agent, data={"price": 52_000})
    listing.refresh_from_db()
    assert listing.price_per_m2 == 1000

    services.listing_update(listing=listing, by=listing.agent, data={"area_m2": Decimal("26.00")})
    listing.refresh_from_db()
    assert listing.price_per_m2 == 2000


def test_update_returns_the_new_price_per_m2():
    listing = ListingFactory(price=46_000, area_m2=Decimal("52.00"))

    updated = services.listing_update(listing=listing, by=listing.agent, data={"price": 52_000})

    assert updated.price_per_m2 == 1000


def test_update_refuses_bad_data_and_keeps_the_row():
    listing = ListingFactory(price=46_000, floor=5, total_floors=6)

    with pytest.raises(ValidationError) as error:
        services.listing_update(listing=listing, by=listing.agent, data={"floor": 9, "price": 1})

    assert "floor" in error.value.message_dict
    listing.refresh_from_db()
    assert (listing.floor, listing.price) == (5, 46_000)


def test_update_ignores_fields_an_agent_may_not_set():
    listing = ListingFactory()
    original_agent, original_published_at = listing.agent, listing.published_at

    services.listing_update(
        listing=listing,
        by=listing.agent,
        data={"agent": AgentFactory(), "published_at": EARLIER, "title": "新"},
    )

    listing.refresh_from_db()
    assert listing.agent == original_agent
    assert listing.published_at == original_published_at
    assert listing.title == "新"


# --- status --------------------------------------------------------------------------


@pytest.mark.parametrize("old", ALL_STATUSES)
@pytest.mark.parametrize("new", ALL_STATUSES)
def test_status_change_table(old, new):
    error = services.status_change_error(old, new)

    allowed = old == new or (old, new) in ALLOWED
    assert (error is None) is allowed


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED))
def test_an_allowed_change_is_saved(old, new):
    listing = listing_in(old)

    services.listing_set_status(listing=listing, by=listing.agent, status=new)

    listing.refresh_from_db()
    assert listing.status == new


FORBIDDEN = [
    (old, new)
    for old in ALL_STATUSES
    for new in ALL_STATUSES
    if old != new and (old, new) not in ALLOWED
]


@pytest.mark.parametrize(("old", "new"), FORBIDDEN)
def test_a_forbidden_change_is_refused_naming_status(old, new):
    listing = listing_in(old)

    with pytest.raises(ValidationError) as error:
        services.listing_set_status(listing=listing, by=listing.agent, status=new)

    assert list(error.value.message_dict) == ["status"]
    listing.refresh_from_db()
    assert listing.status == old


def test_the_refusal_names_both_statuses_in_words():
    message = services.status_change_error("sold", "active")

    assert message == "A listing cannot go from Sold to Active."


def test_publishing_a_draft_stamps_published_at():
    draft = listing_in("draft")

    services.listing_set_status(listing=draft, by=draft.agent, status="active")

    draft.refresh_from_db()
    assert draft.published_at is not None


def test_publishing_again_keeps_the_first_published_at():
    withdrawn = listing_in("withdrawn")

    services.listing_set_status(listing=withdrawn, by=withdrawn.agent, status="active")

    withdrawn.refresh_from_db()
    assert withdrawn.published_at == EARLIER


# --- remove --------------------------------------------------------------------------


def test_removing_a_never_published_draft_deletes_it():
    draft = listing_in("draft")

    services.listing_remove(listing=draft, by=draft.agent)

    assert not Listing.objects.exists()


@pytest.mark.parametrize("status", ["active", "reserved", "withdrawn"])
def test_removing_a_published_listing_withdraws_it(status):
    listing = listing_in(status)

    services.listing_remove(listing=listing, by=listing.agent)

    listing.refresh_from_db()
    assert listing.status == Listing.Status.WITHDRAWN
    assert listing.published_at == EARLIER


def test_removing_a_draft_that_was_once_published_withdraws_it():
    # A withdrawn listing put back to draft keeps its published_at.
    listing = ListingFactory(status="draft", published_at=EARLIER)

    services.listing_remove(listing=listing, by=listing.agent)

    listing.refresh_from_db()
    assert listing.status == Listing.Status.WITHDRAWN


def test_removing_a_sold_listing_is_refused_and_keeps_it():
    sold = listing_in("sold")

    with pytest.raises(ValidationError):
        services.listing_remove(listing=sold, by=sold.agent)

    sold.refresh_from_db()
    assert sold.status == Listing.Status.SOLD


# --- market figures ------------------------------------------------------------------


def test_market_figures_count_active_listings_and_take_their_median(district):
    other = DistrictFactory(city=CityFactory(slug="qitaihe"))
    for price in (50_000, 100_000, 400_000):  # 1,000, 2,000, 8,000 per m² on 50 m²
        ListingFactory(district=district, price=price, area_m2="50.00")
    ListingFactory(district=district, price=9_000_000, area_m2="50.00", draft=True)
    for price in (50_000, 150_000):  # 1,000 and 3,000 per m²
        ListingFactory(district=other, price=price, area_m2="50.00")

    stats = selectors.city_market_stats_compute()

    assert stats == {
        district.city_id: CityMarket(active_listings=3, median_price_per_m2=2000),
        other.city_id: CityMarket(active_listings=2, median_price_per_m2=2000),
    }


def test_market_figures_are_cached(district, django_assert_num_queries):
    ListingFactory(district=district, price=50_000, area_m2="50.00")
    first = selectors.city_market_stats()

    # A new listing does not show until the figures are refreshed
    ListingFactory(district=district, price=150_000, area_m2="50.00")
    with django_assert_num_queries(0):
        cached = selectors.city_market_stats()

    assert cached == first == {district.city_id: CityMarket(1, 1000)}


def test_the_refresh_task_recomputes_the_cached_figures(district):
    ListingFactory(district=district, price=50_000, area_m2="50.00")
    selectors.city_market_stats()
    ListingFactory(district=district, price=150_000, area_m2="50.00")

    result = refresh_city_market_stats()

    assert result == {str(district.city_id): [2, 2000]}
    assert selectors.city_market_stats() == {district.city_id: CityMarket(2, 2000)}


def test_the_refresh_task_runs_through_celery(district):
    ListingFactory(district=district, price=50_000, area_m2="50.00")

    result = refresh_city_market_stats.delay()

    assert result.get() == {str(district.city_id): [1, 1000]}
    assert selectors.city_market_stats() == {district.city_id: CityMarket(1, 1000)}


def test_figures_are_computed_when_the_cache_is_empty(district):
    ListingFactory(district=district, price=50_000, area_m2="50.00")
    selectors.city_market_stats()
    ListingFactory(district=district, price=150_000, area_m2="50.00")

    cache.clear()

    assert selectors.city_market_stats() == {district.city_id: CityMarket(2, 2000)}


def test_cities_with_market_lists_every_city_even_without_listings(district):
    empty = CityFactory(slug="yichun", name="Yichun")
    ListingFactory(district=district, price=50_000, area_m2="50.00")

    rows = selectors.cities_with_market()

    assert rows == [
        (district.city, CityMarket(1, 1000)),
        (empty, CityMarket(0, None)),
    ]


def test_city_median_rounds_an_exact_half_up():
    district = DistrictFactory()
    ListingFactory(district=district, price=1000, area_m2="1.00")
    ListingFactory(district=district, price=1001, area_m2="1.00")

    stats = selectors.city_market_stats_compute()

    assert stats[district.city_id].median_price_per_m2 == 1001  # the median is 1000.5
