"""The listings admin takes the facts the total cost reads (listings.costs)."""

from datetime import date
from decimal import Decimal

import pytest

from listings.models import Listing
from tests.accounts.factories import AgentFactory
from tests.admin.test_listing_admin import _change_url, _form_data
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_an_agent_saves_the_cost_facts_in_the_admin(client):
    agent = AgentFactory()
    client.force_login(agent)
    listing = ListingFactory(agent=agent)

    response = client.post(
        _change_url(listing),
        _form_data(
            listing,
            property_fee_per_m2_month="0.60",
            seller_taxes_paid_by="buyer",
            seller_owned_since="2019-06-30",
            seller_only_home="on",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    listing.refresh_from_db()
    assert listing.property_fee_per_m2_month == Decimal("0.60")
    assert listing.seller_taxes_paid_by == "buyer"
    assert listing.seller_owned_since == date(2019, 6, 30)
    assert listing.seller_only_home is True


def test_the_admin_refuses_an_ownership_date_to_come(client):
    agent = AgentFactory()
    client.force_login(agent)
    listing = ListingFactory(agent=agent)

    response = client.post(
        _change_url(listing), _form_data(listing, seller_owned_since="2999-01-01")
    )

    assert response.status_code == 200
    assert "seller_owned_since" in response.context["adminform"].form.errors
    assert Listing.objects.get(pk=listing.pk).seller_owned_since is None
