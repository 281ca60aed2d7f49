from datetime import timedelta

import pytest
from icalendar import Calendar

from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.viewings.conftest import TOMORROW_10
from tests.viewings.factories import DayOffFactory, ViewingFactory, beijing
from viewings.models import Viewing

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/viewings/"


def slots_url(agent) -> str:
    return f"/api/v1/agents/{agent.pk}/slots/"


def booking(listing, starts_at=TOMORROW_10, **extra):
    return {
        "listing": listing.pk,
        "starts_at": starts_at.isoformat(),
        "channel": "wechat",
        "contact": "wx_zhou",
        "note": "South windows?",
        **extra,
    }


def test_anyone_sees_an_agents_free_slots_in_beijing_time(clock, api_client, agent, listing):
    ViewingFactory(listing=listing, starts_at=beijing(2026, 3, 3, 9, 30))
    DayOffFactory(agent=agent, date=beijing(2026, 3, 4, 0).date())

    response = api_client.get(slots_url(agent), {"from": "2026-03-02", "to": "2026-03-04"})

    assert response.status_code == 200
    slots = response.data["slots"]
    assert response.data["slot_minutes"] == 30
    # Monday from 10:30 (now is 10:00), Tuesday all day but 9:30, Wednesday off
    assert slots[0] == "2026-03-02T10:30:00+08:00"
    assert "2026-03-03T09:30:00+08:00" not in slots
    assert "2026-03-03T09:00:00+08:00" in slots
    assert slots[-1] == "2026-03-03T17:30:00+08:00"
    assert len(slots) == 15 + 17


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "tomorrow"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-03-05", "to": "2026-03-04"}, "to"),
        ({"from": "2026-03-01", "to": "2026-04-30"}, "to"),
    ],
)
def test_bad_slot_days_are_a_400_naming_the_field(clock, api_client, agent, query, field):
    response = api_client.get(slots_url(agent), query)

    assert response.status_code == 400
    assert field in response.data


def test_slots_of_a_buyer_or_an_unknown_id_are_a_404(api_client, buyer):
    assert api_client.get(slots_url(buyer)).status_code == 404
    assert api_client.get("/api/v1/agents/999999999/slots/").status_code == 404


def test_a_buyer_books_a_viewing(clock, api_client, buyer, listing):
    api_client.force_authenticate(buyer)

    response = api_client.post(LIST_URL, booking(listing), format="json")

    assert response.status_code == 201, response.data
    assert response.data["status"] == "requested"
    assert response.data["starts_at"] == "2026-03-03T10:00:00+08:00"
    assert response.data["ends_at"] == "2026-03-03T10:30:00+08:00"
    assert response.data["agent"] == {"id": listing.agent_id, "name": listing.agent.display_name}
    assert response.data["moves"] == ["cancel"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2026-03-02T09:00:00+08:00"}, "starts_at"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"contact": ""}, "contact"),
        ({"listing": 999999}, "listing"),
    ],
)
def test_a_bad_booking_is_a_400_naming_the_field(clock, api_client, buyer, listing, change, field):
    api_client.force_authenticate(buyer)

    response = api_client.post(LIST_URL, {**booking(listing), **change}, format="json")

    assert response.status_code == 400
    assert list(response.data) == [field]


def test_booking_a_taken_slot_is_a_400(clock, api_client, buyer, listing):
    ViewingFactory(listing=ListingFactory(agent=listing.agent), starts_at=TOMORROW_10)
    api_client.force_authenticate(buyer)

    response = api_client.post(LIST_URL, booking(listing), format="json")

    assert response.status_code == 400
    assert response.data["starts_at"] == ["Someone has just booked this time: choose another."]


def test_booking_past_the_daily_rate_is_a_429(clock, settings, api_client, buyer, agent):
    settings.VIEWINGS_REQUESTS_PER_DAY = 1
    ViewingFactory(buyer=buyer, status="cancelled", listing=ListingFactory(agent=agent))
    api_client.force_authenticate(buyer)

    response = api_client.post(LIST_URL, booking(ListingFactory(agent=agent)), format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_agents_and_visitors_cannot_book(clock, api_client, listing):
    assert api_client.post(LIST_URL, booking(listing), format="json").status_code == 401
    api_client.force_authenticate(AgentFactory())
    assert api_client.post(LIST_URL, booking(listing), format="json").status_code == 403


def test_the_journey_through_the_api(clock, api_client, buyer, listing):
    api_client.force_authenticate(buyer)
    viewing_id = api_client.post(LIST_URL, booking(listing), format="json").data["id"]
    url = f"{LIST_URL}{viewing_id}/"

    api_client.force_authenticate(listing.agent)
    later = beijing(2026, 3, 5, 16).isoformat()
    proposed = api_client.post(f"{url}propose/", {"starts_at": later}, format="json")
    assert proposed.status_code == 200
    assert (proposed.data["status"], proposed.data["starts_at"]) == ("proposed", later)

    api_client.force_authenticate(buyer)
    accepted = api_client.post(f"{url}confirm/")
    assert accepted.data["status"] == "confirmed"
    ics = api_client.get(f"{url}ics")
    assert ics.status_code == 200
    assert ics["Content-Type"] == "text/calendar"
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("dtstart").isoformat() == later
    assert str(event["dtstart"].params["TZID"]) == "Asia/Shanghai"
    assert b"BEGIN:VTIMEZONE" in ics.content

    clock.set(beijing(2026, 3, 5, 16, 30))
    done = api_client.post(f"{url}done/")
    assert done.data["status"] == "done"


def test_a_decline_without_a_reason_is_a_400(clock, api_client, listing):
    viewing = ViewingFactory(listing=listing)
    api_client.force_authenticate(listing.agent)

    response = api_client.post(f"{LIST_URL}{viewing.pk}/decline/", {}, format="json")

    assert response.status_code == 400
    assert list(response.data) == ["reason"]


def test_a_request_has_no_calendar_file_yet(clock, api_client, listing):
    viewing = ViewingFactory(listing=listing)
    api_client.force_authenticate(viewing.buyer)

    assert api_client.get(f"{LIST_URL}{viewing.pk}/ics").status_code == 404


# The access matrix: every action, every role. Only the two parties ever learn it exists.
ACTIONS = [
    ("get", "", None),
    ("get", "ics", None),
    ("post", "confirm/", None),
    ("post", "decline/", {"reason": "No"}),
    ("post", "propose/", {"starts_at": "2026-03-05T11:00:00+08:00"}),
    ("post", "cancel/", None),
    ("post", "done/", None),
]
# What each party gets for a requested viewing, in the order of ACTIONS: 400 for a move the
# status does not allow, 403 for a move that is the other party's.
EXPECTED = {
    "buyer": [200, 404, 400, 403, 403, 200, 400],
    "agent": [200, 404, 200, 200, 200, 403, 403],
}


@pytest.fixture
def viewing(clock, listing):
    return ViewingFactory(listing=listing, starts_at=TOMORROW_10)


def person(role, viewing):
    return {
        "buyer": lambda: viewing.buyer,
        "agent": lambda: viewing.agent,
        "another buyer": BuyerFactory,
        "another agent": AgentFactory,
        "anonymous": lambda: None,
    }[role]()


@pytest.mark.parametrize("role", ["buyer", "agent", "another buyer", "another agent", "anonymous"])
@pytest.mark.parametrize("action", range(len(ACTIONS)))
def test_only_the_buyer_and_the_agent_see_a_viewing(api_client, viewing, role, action):
    method, suffix, body = ACTIONS[action]
    user = person(role, viewing)
    if user is not None:
        api_client.force_authenticate(user)

    response = getattr(api_client, method)(f"{LIST_URL}{viewing.pk}/{suffix}", body, format="json")

    expected = {"another buyer": 404, "another agent": 404, "anonymous": 401}.get(role)
    if expected is None:
        expected = EXPECTED[role][action]
    assert response.status_code == expected, response.content
    if role in ("another buyer", "another agent", "anonymous"):
        viewing.refresh_from_db()
        assert viewing.status == Viewing.Status.REQUESTED


@pytest.mark.parametrize("role", ["another buyer", "another agent"])
def test_others_list_none_of_it(clock, api_client, viewing, role):
    api_client.force_authenticate(person(role, viewing))

    assert api_client.get(LIST_URL).data["results"] == []


def test_each_party_lists_it(clock, api_client, viewing):
    for user in (viewing.buyer, viewing.agent):
        api_client.force_authenticate(user)
        assert [row["id"] for row in api_client.get(LIST_URL).data["results"]] == [viewing.pk]


def test_a_past_confirmed_viewing_can_be_marked_done_once(clock, api_client, listing):
    viewing = ViewingFactory(
        listing=listing, status="confirmed", starts_at=clock.now - timedelta(hours=2)
    )
    api_client.force_authenticate(viewing.buyer)

    assert api_client.post(f"{LIST_URL}{viewing.pk}/done/").status_code == 200
    assert api_client.post(f"{LIST_URL}{viewing.pk}/done/").status_code == 400
