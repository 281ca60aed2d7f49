"""The admin shows an agent the purchases of their own listings, read-only."""

import pytest

from tests.accounts.factories import SuperuserFactory
from tests.purchases.factories import PurchaseFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/purchases/purchase/"


def test_an_agent_sees_their_purchases_only(client):
    mine = PurchaseFactory()
    theirs = PurchaseFactory()
    client.force_login(mine.agent)

    listed = client.get(CHANGELIST)

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [mine]
    assert client.get(f"{CHANGELIST}{mine.pk}/change/").status_code == 200
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 302  # "doesn't exist"


def test_nobody_changes_a_purchase_in_the_admin(client):
    purchase = PurchaseFactory()
    client.force_login(purchase.agent)

    response = client.post(f"{CHANGELIST}{purchase.pk}/change/", {"status": "completed"})

    assert response.status_code == 403
    purchase.refresh_from_db()
    assert purchase.status == "active"


def test_a_superuser_sees_every_purchase(client):
    purchases = {PurchaseFactory(), PurchaseFactory()}
    client.force_login(SuperuserFactory())

    assert set(client.get(CHANGELIST).context["cl"].result_list) == purchases


def test_buyers_have_no_admin(client):
    purchase = PurchaseFactory()
    client.force_login(purchase.buyer)

    assert client.get(CHANGELIST).status_code == 302
