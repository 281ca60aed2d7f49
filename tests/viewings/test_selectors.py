from datetime import date, time

import pytest

from tests.accounts.factories import AgentFactory
from tests.viewings.factories import ViewingFactory, WeeklyHoursFactory, beijing
from viewings import selectors

pytestmark = pytest.mark.django_db


def test_slots_stop_thirty_days_ahead(clock, agent):
    slots = selectors.free_slots(agent.pk, date(2026, 3, 30), date(2026, 4, 10))

    assert slots[-1] == beijing(2026, 4, 1, 10)  # now + 30 days, and no later


def test_a_slot_must_end_within_the_hours(clock):
    agent = AgentFactory()
    WeeklyHoursFactory(agent=agent, weekday=1, starts=time(9, 15), ends=time(10, 30))

    assert selectors.free_slots(agent.pk, date(2026, 3, 3), date(2026, 3, 3)) == [
        beijing(2026, 3, 3, 9, 15),
        beijing(2026, 3, 3, 9, 45),
    ]


def test_declined_and_cancelled_viewings_free_their_slot(clock, agent, listing):
    for status in ("declined", "cancelled", "done"):
        ViewingFactory(listing=listing, status=status, starts_at=beijing(2026, 3, 3, 9))
    ViewingFactory(listing=listing, status="proposed", starts_at=beijing(2026, 3, 3, 9, 30))

    slots = selectors.free_slots(agent.pk, date(2026, 3, 3), date(2026, 3, 3))

    assert slots[:2] == [beijing(2026, 3, 3, 9), beijing(2026, 3, 3, 10)]


def test_has_done_viewing_counts_only_done(clock, listing, buyer):
    ViewingFactory(listing=listing, buyer=buyer, status="confirmed")
    assert not selectors.has_done_viewing(buyer, listing)

    ViewingFactory(listing=listing, buyer=buyer, status="done", starts_at=clock.now)
    assert selectors.has_done_viewing(buyer, listing)
