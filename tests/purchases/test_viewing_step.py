"""The checklist's first step follows the video viewings booked on Walkup."""

from datetime import timedelta

import pytest

from notifications.models import Kind, Notification
from purchases import services
from purchases.models import Step
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory
from tests.purchases.factories import PurchaseFactory, step_of
from tests.viewings.factories import ViewingFactory, beijing
from viewings import services as viewing_services

pytestmark = pytest.mark.django_db

DONE, TODO = Step.Status.DONE, Step.Status.TODO
HELD_AT = beijing(2026, 3, 1, 15, 30)  # the day before the `clock` fixture's Monday


def held(buyer, listing, *, status="done", starts_at=HELD_AT):
    return ViewingFactory(buyer=buyer, listing=listing, status=status, starts_at=starts_at)


def viewing_step(purchase) -> Step:
    return step_of(purchase, Step.Kind.VIEWING)


def test_a_purchase_opened_after_a_done_viewing_starts_with_the_step_done(clock):
    listing, buyer = ListingFactory(), BuyerFactory(language="en")
    held(buyer, listing, starts_at=HELD_AT - timedelta(days=3))
    held(buyer, listing)  # the latest counts

    purchase = services.purchase_open(by=buyer, listing=listing)

    step = viewing_step(purchase)
    assert step.status == DONE
    assert step.done_on == HELD_AT.date()
    assert step.note == "Video viewing on 2026-03-01, booked on Walkup."
    assert step.updated_by == buyer
    assert all(s.status == TODO for s in purchase.steps.exclude(pk=step.pk))


@pytest.mark.parametrize("status", ["confirmed", "cancelled", "declined"])
def test_a_viewing_not_done_leaves_the_step_to_do(clock, status):
    listing, buyer = ListingFactory(), BuyerFactory()
    held(buyer, listing, status=status)

    purchase = services.purchase_open(by=buyer, listing=listing)

    assert viewing_step(purchase).status == TODO


def test_another_buyers_or_another_flats_viewing_does_not_count(clock):
    listing, buyer = ListingFactory(), BuyerFactory()
    held(BuyerFactory(), listing)
    held(buyer, ListingFactory(agent=listing.agent))

    purchase = services.purchase_open(by=buyer, listing=listing)

    assert viewing_step(purchase).status == TODO


def test_the_buyer_marking_the_viewing_done_ticks_the_open_purchase(clock):
    purchase = PurchaseFactory(buyer=BuyerFactory(language="en"))
    viewing = held(purchase.buyer, purchase.listing, status="confirmed")
    Notification.objects.all().delete()

    viewing_services.viewing_mark_done(viewing=viewing, by=purchase.buyer)

    step = viewing_step(purchase)
    assert step.status == DONE
    assert step.done_on == HELD_AT.date()
    assert step.note.startswith("Video viewing on 2026-03-01")
    told = Notification.objects.get(recipient=purchase.agent)
    assert told.kind == Kind.PURCHASE_STEP_DONE
    assert not Notification.objects.filter(recipient=purchase.buyer).exists()


def test_a_proposed_purchase_is_ticked_too_and_a_note_already_written_stays(clock):
    purchase = PurchaseFactory(accepted=False)
    Step.objects.filter(purchase=purchase, kind=Step.Kind.VIEWING).update(note="Ask about gas.")
    viewing = held(purchase.buyer, purchase.listing, status="confirmed")

    viewing_services.viewing_mark_done(viewing=viewing, by=purchase.buyer)

    step = viewing_step(purchase)
    assert step.status == DONE
    assert step.note.endswith("\nAsk about gas.")


def test_a_step_already_done_by_hand_keeps_its_date_and_note(clock):
    purchase = PurchaseFactory()
    services.step_update(
        step=viewing_step(purchase),
        by=purchase.agent,
        data={"status": DONE, "done_on": HELD_AT.date() - timedelta(days=5), "note": "In person"},
    )
    viewing = held(purchase.buyer, purchase.listing, status="confirmed")

    viewing_services.viewing_mark_done(viewing=viewing, by=purchase.buyer)

    step = viewing_step(purchase)
    assert (step.note, step.done_on) == ("In person", HELD_AT.date() - timedelta(days=5))
    assert step.updated_by == purchase.agent


def test_an_abandoned_purchase_is_left_alone(clock):
    purchase = PurchaseFactory()
    services.purchase_abandon(purchase=purchase, by=purchase.buyer)
    viewing = held(purchase.buyer, purchase.listing, status="confirmed")

    viewing_services.viewing_mark_done(viewing=viewing, by=purchase.buyer)

    assert viewing_step(purchase).status == TODO


def test_the_agent_still_ticks_the_step_by_hand_without_a_viewing(clock):
    purchase = PurchaseFactory()

    services.step_update(step=viewing_step(purchase), by=purchase.agent, data={"status": DONE})

    assert viewing_step(purchase).status == DONE
