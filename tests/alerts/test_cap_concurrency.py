"""The saved-search cap holds when one buyer's saves arrive at the same instant."""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from alerts.models import SavedSearch
from tests.accounts.factories import BuyerFactory
from tests.concurrency import at_once


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_saves_on_postgresql_keeps_exactly_the_cap(settings):
    settings.SAVED_SEARCHES_PER_BUYER = 20
    buyer = BuyerFactory()

    def save(index: int):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        client.force_authenticate(buyer)
        response = client.post(
            "/api/v1/saved-searches/",
            {"name": f"Search {index}", "params": {"rooms": "2"}},
            format="json",
        )
        return response.status_code

    statuses = at_once(25, save)

    assert Counter(statuses) == {201: 20, 400: 5}
    assert SavedSearch.objects.filter(user=buyer).count() == 20
