"""One slot, many buyers at the same instant: the database lets exactly one have it."""

from collections import Counter

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.concurrency import at_once
from tests.listings.factories import ListingFactory
from tests.viewings.factories import beijing, open_monday_to_saturday
from viewings.models import Viewing

BURST = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_buyers_booking_one_slot_at_once_get_it_exactly_once(monkeypatch):
    # Given an agent's slot next week, and ten buyers each looking at one of the agent's flats
    agent = AgentFactory()
    open_monday_to_saturday(agent)
    listings = ListingFactory.create_batch(BURST, agent=agent)
    buyers = BuyerFactory.create_batch(BURST)
    slot = beijing(2030, 1, 7, 10)  # a Monday
    monkeypatch.setattr(timezone, "now", lambda: beijing(2030, 1, 1, 9))

    # When all ten book it at the same instant
    def book(index: int):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        client.force_authenticate(buyers[index])
        response = client.post(
            "/api/v1/viewings/",
            {
                "listing": listings[index].pk,
                "starts_at": slot.isoformat(),
                "channel": "wechat",
                "contact": f"wx_{index}",
            },
            format="json",
        )
        return response.status_code, response.json()

    answers = at_once(BURST, book)

    # Then one has it, and the nine others are told it was just taken (none a 500)
    assert Counter(status for status, _body in answers) == {201: 1, 400: BURST - 1}, answers
    refused = [body for status, body in answers if status == 400]
    assert all(
        body == {"starts_at": ["Someone has just booked this time: choose another."]}
        for body in refused
    )
    assert Viewing.objects.filter(agent=agent, starts_at=slot).count() == 1
