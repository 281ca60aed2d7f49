"""load_demo's purchase: half-way through, its flat reserved, made once."""

from io import StringIO

import pytest
from django.core.management import call_command

from listings.models import Listing
from purchases.models import Purchase, Step

pytestmark = pytest.mark.django_db


def test_the_demo_purchase_is_half_way_and_made_once():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())

    # reviews' demo adds two past sales of agent1's, completed
    purchase = Purchase.objects.get(agent__username="agent2")
    assert (purchase.buyer.username, purchase.agent.username) == ("buyer2", "agent2")
    assert purchase.status == Purchase.Status.ACTIVE
    assert purchase.listing.status == Listing.Status.RESERVED
    done = purchase.steps.filter(status=Step.Status.DONE).values_list("kind", flat=True)
    assert set(done) == {"viewing", "ownership", "encumbrances", "arrears"}
    assert purchase.steps.count() == 9
    # The first step is ticked by the buyer's video viewing held on Walkup, not by hand.
    assert purchase.steps.get(kind="viewing").updated_by == purchase.buyer
    assert purchase.buyer.viewings_booked.filter(listing=purchase.listing, status="done").exists()
