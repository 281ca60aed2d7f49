from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from listings.models import Listing
from marketplace.limits import LimitExceeded
from notifications.models import Kind, Notification
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.viewings.conftest import TOMORROW_10
from tests.viewings.factories import DayOffFactory, ViewingFactory, beijing
from viewings import services
from viewings.models import Viewing

pytestmark = pytest.mark.django_db


def book(buyer, listing, starts_at=TOMORROW_10, **extra):
    data = {"channel": "wechat", "contact": "wx_zhou", "note": "", **extra}
    return services.viewing_request(buyer=buyer, listing=listing, starts_at=starts_at, **data)


def test_a_buyer_books_a_free_slot_and_the_agent_is_told(clock, buyer, listing):
    viewing = book(buyer, listing, note="看看暖气")

    assert viewing.status == Viewing.Status.REQUESTED
    assert viewing.agent_id == listing.agent_id
    notification = Notification.objects.get(recipient=listing.agent)
    assert notification.kind == Kind.VIEWING_REQUEST
    assert notification.group_key == f"viewing:{viewing.pk}"
    assert "2026-03-03 10:00" in notification.text


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (beijing(2026, 3, 2, 9, 30), "Choose a time in the future."),
        (beijing(2026, 4, 2, 10), "Viewings are booked at most 30 days ahead."),
        (beijing(2026, 3, 3, 10, 15), "The agent does not show flats at that time."),
        (beijing(2026, 3, 3, 18), "The agent does not show flats at that time."),
        (beijing(2026, 3, 8, 10), "The agent does not show flats at that time."),  # a Sunday
    ],
)
def test_a_time_outside_the_agents_slots_is_refused(clock, buyer, listing, starts_at, message):
    with pytest.raises(ValidationError) as refused:
        book(buyer, listing, starts_at)

    assert refused.value.message_dict == {"starts_at": [message]}


def test_the_last_day_of_the_window_is_still_bookable(clock, buyer, listing):
    # 30 days after Monday 2 March 10:00 is Wednesday 1 April 10:00
    assert book(buyer, listing, beijing(2026, 4, 1, 10)).pk


def test_a_day_off_has_no_slots(clock, buyer, listing):
    DayOffFactory(agent=listing.agent, date=TOMORROW_10.date())

    with pytest.raises(ValidationError, match="does not show flats"):
        book(buyer, listing)


def test_a_booked_slot_is_refused_to_the_next_buyer(clock, buyer, listing):
    book(buyer, listing)
    other_listing = ListingFactory(agent=listing.agent)

    with pytest.raises(ValidationError) as refused:
        book(BuyerFactory(), other_listing)

    assert refused.value.message_dict == {
        "starts_at": ["Someone has just booked this time: choose another."]
    }


def test_a_declined_slot_is_free_again(clock, buyer, listing):
    viewing = book(buyer, listing)
    services.viewing_decline(viewing=viewing, by=listing.agent, reason="Out of town")

    assert book(BuyerFactory(), listing).starts_at == TOMORROW_10


def test_the_database_refuses_a_second_live_viewing_of_one_slot(clock, listing):
    ViewingFactory(listing=listing, starts_at=TOMORROW_10)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ViewingFactory(listing=ListingFactory(agent=listing.agent), starts_at=TOMORROW_10)


def test_agents_and_flats_off_the_market_are_refused(clock, buyer, listing):
    with pytest.raises(PermissionDenied):
        book(AgentFactory(), listing)
    listing.status = Listing.Status.SOLD
    listing.save()
    with pytest.raises(ValidationError, match="no longer on the market"):
        book(buyer, listing)


@pytest.mark.parametrize(
    ("channel", "contact", "field"),
    [("wechat", "  ", "contact"), ("phone", "", "contact"), ("fax", "123", "channel")],
)
def test_how_to_meet_is_required(clock, buyer, listing, channel, contact, field):
    with pytest.raises(ValidationError) as refused:
        book(buyer, listing, channel=channel, contact=contact)

    assert list(refused.value.message_dict) == [field]


def test_one_live_viewing_per_buyer_and_flat(clock, buyer, listing):
    book(buyer, listing)

    with pytest.raises(ValidationError, match="already have a viewing of this flat"):
        book(buyer, listing, beijing(2026, 3, 3, 11))


def test_a_buyers_waiting_requests_are_capped(clock, settings, buyer, agent):
    settings.VIEWINGS_PENDING_PER_BUYER = 2
    book(buyer, ListingFactory(agent=agent), beijing(2026, 3, 3, 10))
    book(buyer, ListingFactory(agent=agent), beijing(2026, 3, 3, 11))

    with pytest.raises(ValidationError, match="2 viewings waiting for an answer"):
        book(buyer, ListingFactory(agent=agent), beijing(2026, 3, 3, 12))


def test_a_buyers_requests_a_day_are_rate_limited(clock, settings, buyer, agent):
    settings.VIEWINGS_REQUESTS_PER_DAY = 2
    for hour in (10, 11):
        viewing = book(buyer, ListingFactory(agent=agent), beijing(2026, 3, 3, hour))
        services.viewing_cancel(viewing=viewing, by=buyer)

    with pytest.raises(LimitExceeded) as refused:
        book(buyer, ListingFactory(agent=agent), beijing(2026, 3, 3, 12))

    assert refused.value.retry_after == 24 * 3600
    clock.advance(days=1)
    assert book(buyer, ListingFactory(agent=agent), beijing(2026, 3, 4, 12)).pk


def test_the_agent_confirms_and_the_buyer_is_told(clock, buyer, listing):
    viewing = book(buyer, listing)

    services.viewing_confirm(viewing=viewing, by=listing.agent)

    viewing.refresh_from_db()
    assert viewing.status == Viewing.Status.CONFIRMED
    answer = Notification.objects.get(recipient=buyer)
    assert answer.kind == Kind.VIEWING_ANSWER
    assert "confirmed" in answer.text


def test_the_buyer_cannot_confirm_their_own_request(clock, buyer, listing):
    viewing = book(buyer, listing)

    with pytest.raises(ValidationError, match="Waiting for the agent"):
        services.viewing_confirm(viewing=viewing, by=buyer)


def test_a_decline_needs_a_reason_and_tells_the_buyer(clock, buyer, listing):
    viewing = book(buyer, listing)
    with pytest.raises(ValidationError) as refused:
        services.viewing_decline(viewing=viewing, by=listing.agent, reason=" ")
    assert list(refused.value.message_dict) == ["reason"]

    services.viewing_decline(viewing=viewing, by=listing.agent, reason="The flat is let")

    viewing.refresh_from_db()
    assert (viewing.status, viewing.decline_reason) == ("declined", "The flat is let")
    assert "The flat is let" in Notification.objects.get(recipient=buyer).text


def test_a_proposal_moves_the_time_and_the_buyer_accepts_it(clock, buyer, listing):
    viewing = book(buyer, listing)
    later = beijing(2026, 3, 4, 15, 30)

    services.viewing_propose(viewing=viewing, by=listing.agent, starts_at=later)
    viewing.refresh_from_db()
    assert (viewing.status, viewing.starts_at) == ("proposed", later)
    assert services.viewing_moves(viewing, listing.agent) == ["decline"]
    assert services.viewing_moves(viewing, buyer) == ["confirm", "cancel"]

    services.viewing_confirm(viewing=viewing, by=buyer)
    viewing.refresh_from_db()
    assert viewing.status == "confirmed"
    assert Notification.objects.filter(recipient=listing.agent).count() == 2  # asked, accepted


def test_a_proposal_cannot_take_a_booked_time(clock, buyer, listing):
    viewing = book(buyer, listing)
    book(BuyerFactory(), ListingFactory(agent=listing.agent), beijing(2026, 3, 4, 9))

    with pytest.raises(ValidationError, match="Someone has just booked"):
        services.viewing_propose(
            viewing=viewing, by=listing.agent, starts_at=beijing(2026, 3, 4, 9)
        )
    viewing.refresh_from_db()
    assert (viewing.status, viewing.starts_at) == ("requested", TOMORROW_10)


def test_only_the_agent_answers_and_only_the_buyer_cancels(clock, buyer, listing):
    viewing = book(buyer, listing)
    with pytest.raises(PermissionDenied):
        services.viewing_decline(viewing=viewing, by=buyer, reason="no")
    with pytest.raises(PermissionDenied):
        services.viewing_cancel(viewing=viewing, by=listing.agent)
    with pytest.raises(PermissionDenied):
        services.viewing_confirm(viewing=viewing, by=AgentFactory())


def test_the_buyer_cancels_and_the_agent_is_told(clock, buyer, listing):
    viewing = book(buyer, listing)

    services.viewing_cancel(viewing=viewing, by=buyer)

    assert Viewing.objects.get().status == "cancelled"
    assert "cancelled" in Notification.objects.filter(recipient=listing.agent).first().text


def test_done_only_after_the_time_of_a_confirmed_viewing(clock, buyer, listing):
    viewing = book(buyer, listing)
    services.viewing_confirm(viewing=viewing, by=listing.agent)
    with pytest.raises(ValidationError):
        services.viewing_mark_done(viewing=viewing, by=buyer)

    clock.set(TOMORROW_10 + timedelta(minutes=40))
    with pytest.raises(PermissionDenied):
        services.viewing_mark_done(viewing=viewing, by=listing.agent)
    services.viewing_mark_done(viewing=viewing, by=buyer)

    assert Viewing.objects.get().status == "done"
    with pytest.raises(ValidationError):
        services.viewing_cancel(viewing=viewing, by=buyer)


def test_reminders_go_to_both_an_hour_before_and_only_once(clock, buyer, listing):
    viewing = book(buyer, listing)
    services.viewing_confirm(viewing=viewing, by=listing.agent)
    other = ViewingFactory(starts_at=TOMORROW_10 + timedelta(minutes=30))  # not confirmed
    Notification.objects.all().delete()

    clock.set(TOMORROW_10 - timedelta(minutes=61))
    assert services.viewings_send_reminders() == 0
    clock.set(TOMORROW_10 - timedelta(minutes=55))
    assert services.viewings_send_reminders() == 1
    assert services.viewings_send_reminders() == 0

    reminders = Notification.objects.filter(kind=Kind.VIEWING_REMINDER)
    assert sorted(reminders.values_list("recipient", flat=True)) == sorted(
        [buyer.pk, listing.agent_id]
    )
    assert not reminders.filter(recipient=other.buyer).exists()


def test_the_beat_task_sends_the_reminders(clock, buyer, listing):
    from viewings.tasks import send_viewing_reminders

    viewing = book(buyer, listing)
    services.viewing_confirm(viewing=viewing, by=listing.agent)
    clock.set(TOMORROW_10 - timedelta(minutes=30))

    assert send_viewing_reminders.delay().get() == 1
    assert send_viewing_reminders.delay().get() == 0


def test_weekly_hours_are_for_agents_and_replace_the_old_ones(db, buyer):
    from datetime import time

    agent = AgentFactory()
    services.weekly_hours_set(agent=agent, hours={0: (time(9), time(12)), 1: None})
    services.weekly_hours_set(agent=agent, hours={0: (time(13), time(17))})
    assert list(agent.viewing_hours.values_list("weekday", "starts")) == [(0, time(13))]
    with pytest.raises(ValidationError):
        services.weekly_hours_set(agent=agent, hours={2: (time(12), time(9))})
    with pytest.raises(PermissionDenied):
        services.weekly_hours_set(agent=buyer, hours={0: (time(9), time(12))})


def test_each_person_is_told_in_their_own_language(clock, listing):
    buyer = BuyerFactory(language="zh-hans")
    viewing = book(buyer, listing)

    services.viewing_confirm(viewing=viewing, by=listing.agent)

    assert "asks for a video viewing" in Notification.objects.get(recipient=listing.agent).text
    assert "已确认" in Notification.objects.get(recipient=buyer).text
