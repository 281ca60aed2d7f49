from datetime import timedelta

import pytest

from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.viewings.conftest import TOMORROW_10
from tests.viewings.factories import ViewingFactory, beijing
from viewings import selectors
from viewings.models import DayOff, Viewing

pytestmark = pytest.mark.django_db


def booking(starts_at=TOMORROW_10, **extra):
    return {
        "starts_at": starts_at.isoformat(),
        "channel": "phone",
        "contact": "138 0000 0000",
        "note": "Evening is better",
        **extra,
    }


def test_the_listing_page_offers_the_next_free_slots(clock, client, listing):
    response = client.get(listing.get_absolute_url())

    content = response.content.decode()
    assert "Book a video viewing" in content
    assert 'value="2026-03-02T10:30:00+08:00"' in content
    assert "Log in to book" in content


def test_an_agent_without_hours_offers_no_slots(clock, client, buyer):
    listing = ListingFactory(agent=AgentFactory())
    client.force_login(buyer)

    content = client.get(listing.get_absolute_url()).content.decode()

    assert "no free time for a video viewing" in content


def test_a_buyer_books_from_the_listing_page(clock, client, buyer, listing):
    client.force_login(buyer)

    response = client.post(f"/viewings/book/{listing.pk}/", booking())

    assert response.status_code == 302
    viewing = Viewing.objects.get()
    assert (viewing.buyer, viewing.starts_at, viewing.channel) == (buyer, TOMORROW_10, "phone")
    page = client.get(listing.get_absolute_url()).content.decode()
    assert "Your viewing: 2026-03-03 10:00 (Waiting for the agent)." in page


def test_a_refused_booking_comes_back_with_the_message_and_what_was_typed(
    clock, client, buyer, listing
):
    ViewingFactory(listing=ListingFactory(agent=listing.agent), starts_at=TOMORROW_10)
    client.force_login(buyer)

    response = client.post(f"/viewings/book/{listing.pk}/", booking())

    assert response.status_code == 400
    content = response.content.decode()
    assert "Someone has just booked this time: choose another." in content
    assert 'value="138 0000 0000"' in content
    assert "Evening is better" in content
    assert not Viewing.objects.filter(buyer=buyer).exists()


def test_a_visitor_is_sent_to_log_in(clock, client, listing):
    response = client.post(f"/viewings/book/{listing.pk}/", booking())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Viewing.objects.exists()


def test_the_agent_confirms_on_their_page_and_the_buyer_sees_it(clock, client, listing):
    viewing = ViewingFactory(listing=listing, starts_at=TOMORROW_10)
    client.force_login(listing.agent)
    page = client.get("/viewings/").content.decode()
    assert "Confirm" in page
    assert "Propose this time" in page

    client.post(f"/viewings/{viewing.pk}/confirm/")

    client.force_login(viewing.buyer)
    page = client.get("/viewings/").content.decode()
    assert "Confirmed" in page
    assert f"/viewings/{viewing.pk}/ics" in page
    ics = client.get(f"/viewings/{viewing.pk}/ics")
    assert ics["Content-Type"] == "text/calendar"
    assert b"DTSTART;TZID=Asia/Shanghai:20260303T100000" in ics.content


def test_a_proposal_from_the_page(clock, client, listing):
    viewing = ViewingFactory(listing=listing, starts_at=TOMORROW_10)
    client.force_login(listing.agent)

    client.post(
        f"/viewings/{viewing.pk}/propose/",
        {"starts_at": beijing(2026, 3, 4, 14).isoformat()},
    )

    viewing.refresh_from_db()
    assert (viewing.status, viewing.starts_at) == ("proposed", beijing(2026, 3, 4, 14))


def test_a_refused_move_says_why(clock, client, listing):
    viewing = ViewingFactory(listing=listing, starts_at=TOMORROW_10)
    client.force_login(listing.agent)

    response = client.post(f"/viewings/{viewing.pk}/decline/", {"reason": ""}, follow=True)

    assert "This field is required." in response.content.decode()
    assert Viewing.objects.get().status == "requested"


def test_past_viewings_and_done(clock, client, listing):
    viewing = ViewingFactory(
        listing=listing, status="confirmed", starts_at=clock.now - timedelta(hours=1)
    )
    client.force_login(viewing.buyer)
    assert "I have seen the flat" in client.get("/viewings/").content.decode()

    client.post(f"/viewings/{viewing.pk}/done/")

    assert selectors.has_done_viewing(viewing.buyer, listing)
    assert not selectors.has_done_viewing(BuyerFactory(), listing)


@pytest.mark.parametrize("path", ["ics", "confirm/", "cancel/", "done/", "decline/"])
def test_others_get_a_404(clock, client, listing, path):
    viewing = ViewingFactory(listing=listing, status="confirmed")
    for other in (BuyerFactory(), AgentFactory()):
        client.force_login(other)
        method = client.get if path == "ics" else client.post
        assert method(f"/viewings/{viewing.pk}/{path}").status_code == 404
        assert f"viewing-{viewing.pk}" not in client.get("/viewings/").content.decode()
    assert Viewing.objects.get().status == "confirmed"


def test_an_unknown_move_is_a_404(clock, client, listing):
    viewing = ViewingFactory(listing=listing)
    client.force_login(listing.agent)

    assert client.post(f"/viewings/{viewing.pk}/delete/").status_code == 404
    assert Viewing.objects.get().status == "requested"


def test_the_agent_sets_hours_and_a_day_off(clock, client, agent):
    client.force_login(agent)
    data = {"save_hours": "1"}
    for weekday in range(7):
        data |= {
            f"open_{weekday}": "on" if weekday < 5 else "",
            f"starts_{weekday}": "10:00",
            f"ends_{weekday}": "16:00",
        }

    assert client.post("/viewings/hours/", data).status_code == 302
    assert list(agent.viewing_hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]

    client.post("/viewings/hours/", {"add_day_off": "1", "date": "2026-03-05", "note": "Sick"})
    day_off = DayOff.objects.get(agent=agent)
    page = client.get("/viewings/hours/").content.decode()
    assert "Sick" in page
    client.post("/viewings/hours/", {"remove_day_off": str(day_off.pk)})
    assert not DayOff.objects.exists()


def test_bad_hours_come_back_with_the_message(clock, client, agent):
    client.force_login(agent)

    response = client.post(
        "/viewings/hours/",
        {"save_hours": "1", "open_0": "on", "starts_0": "18:00", "ends_0": "09:00"},
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "The end of the day comes after its start." in content
    assert 'value="18:00"' in content


def test_buyers_have_no_hours_page(client, buyer):
    client.force_login(buyer)

    assert client.get("/viewings/hours/").status_code == 403
