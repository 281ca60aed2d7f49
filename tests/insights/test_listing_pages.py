"""What insights adds to others' pages: the admin list's figures, the listing page's price chart
and its link to the city's market."""

import pytest
from django.urls import reverse

from favorites.models import Favorite
from listings import services
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.insights.factories import ListingDailyViewsFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_the_admin_list_shows_each_listings_figures(client):
    agent = AgentFactory(is_staff=True)
    listing = ListingFactory(agent=agent)
    ListingDailyViewsFactory(listing=listing, views=8)
    Favorite.objects.create(user=BuyerFactory(), listing=listing)
    client.force_login(agent)

    response = client.get(reverse("admin:listings_listing_changelist"), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<td class="field-views_7_days"><span class="wb-count">8</span></td>' in page
    assert '<td class="field-saves"><span class="wb-count">1</span></td>' in page
    assert '<td class="field-conversation_count"><span class="wb-zero">0</span></td>' in page


def test_the_listing_page_draws_its_price_history_beside_the_table(client):
    listing = ListingFactory(price=50_000)
    services.listing_update(listing=listing, by=listing.agent, data={"price": 46_000})
    services.listing_update(listing=listing, by=listing.agent, data={"price": 44_000})

    page = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="price-history-chart-title"' in page
    assert page.count('class="chart-dot"') == 3  # the first price and two changes
    assert "on a scale from ¥44,000 to ¥50,000" in page


def test_a_listing_whose_price_never_changed_has_no_chart(client):
    listing = ListingFactory()

    page = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "price-history-chart" not in page


def test_the_comparison_with_the_city_median_links_to_the_market_page(client):
    listing = ListingFactory()
    ListingFactory(district=listing.district, price=60_000)

    page = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'href="/cities/{listing.city.slug}/"' in page
    assert "below the" in page
