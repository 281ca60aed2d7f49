"""A signed-in buyer's search, home and API list know which flats they saved and which were cut,
in the listings query itself: the same number of queries as a visitor's, plus the login's own."""

import pytest
from django.core.cache import cache

from favorites.models import Favorite
from listings import services
from listings.models import Listing
from tests.accounts.factories import BuyerFactory
from tests.listings.test_query_counts import (
    API_LIST_QUERIES,
    DETAIL_QUERIES,
    HOME_QUERIES,
    SEARCH_QUERIES,
    market,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db

# Session, user, the unread messages badge, the unread notifications badge.
LOGIN_QUERIES = 4


@pytest.fixture
def buyer(market):  # noqa: F811
    """A buyer who saved every other flat of the market, some of which were cut."""
    buyer = BuyerFactory()
    Favorite.objects.bulk_create(Favorite(user=buyer, listing=listing) for listing in market[::2])
    for listing in market[::3]:
        services.listing_update(
            listing=listing, by=listing.agent, data={"price": listing.price - 500}
        )
    return buyer


@pytest.mark.parametrize("page_size", [5, 50])
def test_search_page_for_a_buyer_costs_the_same_whatever_the_page_size(
    client, settings, buyer, django_assert_num_queries, page_size
):
    settings.LISTINGS_PAGE_SIZE = page_size
    client.force_login(buyer)
    cache.clear()

    with django_assert_num_queries(SEARCH_QUERIES + LOGIN_QUERIES):
        response = client.get("/listings/?ordering=price", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    listings = list(response.context["page"])
    assert page.count('aria-pressed="true"') == sum(listing.is_favorite for listing in listings)
    assert page.count("mark-price-cut") == sum(listing.price_cut_recently for listing in listings)
    assert 0 < page.count('aria-pressed="true"') < page_size


@pytest.mark.parametrize("page_size", [5, 50])
def test_home_page_for_a_buyer_query_count(
    client, settings, buyer, django_assert_num_queries, page_size
):
    settings.LISTINGS_PAGE_SIZE = page_size
    client.force_login(buyer)
    cache.clear()

    with django_assert_num_queries(HOME_QUERIES + LOGIN_QUERIES):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert 'aria-pressed="true"' in response.content.decode()


@pytest.mark.parametrize("page_size", [5, 50])
def test_api_list_for_a_buyer_costs_one_query(
    api_client, buyer, django_assert_num_queries, page_size
):
    api_client.force_authenticate(buyer)
    cache.clear()

    with django_assert_num_queries(API_LIST_QUERIES):
        response = api_client.get("/api/v1/listings/", {"page_size": page_size})

    results = response.json()["results"]
    assert len(results) == page_size
    assert any(result["is_favorite"] for result in results)
    assert any(result["price_cut_recently"] for result in results)


@pytest.mark.parametrize("changes", [1, 8])
def test_detail_page_for_a_buyer_does_not_grow_with_the_price_history(
    client,
    buyer,
    django_assert_num_queries,
    changes,
):
    listing = Listing.objects.active().order_by("id")[1]
    for number in range(changes):
        services.listing_update(
            listing=listing, by=listing.agent, data={"price": listing.price - 100 * (number + 1)}
        )
    client.force_login(buyer)
    cache.clear()

    # The visitor's queries, the login's, and the buyer's conversation, video viewing and
    # purchase about this flat, if any.
    with django_assert_num_queries(DETAIL_QUERIES + LOGIN_QUERIES + 3):
        response = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.content.decode().count("<time") == changes + 2  # + first price, listed
