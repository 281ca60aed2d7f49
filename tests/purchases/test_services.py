"""The purchase's life and the checklist's order rules, through the services."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from listings.models import Listing
from marketplace.limits import LimitExceeded
from messaging.services import conversation_start
from notifications.models import Kind, Notification
from purchases import services
from purchases.models import Purchase, Step
from purchases.steps import CHECKLIST, MONEY_NEEDS
from renovations.models import RenovationProject
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.purchases.factories import PurchaseFactory, step_of

pytestmark = pytest.mark.django_db

Kind_ = Step.Kind
DONE = Step.Status.DONE


def finish(purchase, kinds, *, status=DONE):
    for kind in kinds:
        step = step_of(purchase, kind)
        services.step_update(step=step, by=purchase.agent, data={"status": status})


def finish_checks(purchase):
    finish(purchase, MONEY_NEEDS)


# --- opening and accepting -------------------------------------------------------------------


def test_a_buyer_opens_and_the_agent_accepts_which_reserves_the_flat():
    listing = ListingFactory()
    buyer = BuyerFactory()

    purchase = services.purchase_open(by=buyer, listing=listing)

    assert purchase.status == Purchase.Status.PROPOSED
    assert [s.kind for s in purchase.steps.order_by("position")] == [r.kind for r in CHECKLIST]
    assert Notification.objects.filter(recipient=listing.agent, kind=Kind.PURCHASE_UPDATE).exists()
    listing.refresh_from_db()
    assert listing.status == Listing.Status.ACTIVE

    services.purchase_accept(purchase=purchase, by=listing.agent)

    purchase.refresh_from_db()
    listing.refresh_from_db()
    assert purchase.status == Purchase.Status.ACTIVE
    assert listing.status == Listing.Status.RESERVED
    assert Notification.objects.filter(recipient=buyer, kind=Kind.PURCHASE_UPDATE).exists()


def test_the_opener_cannot_accept_their_own_proposal():
    purchase = PurchaseFactory(accepted=False)

    with pytest.raises(PermissionDenied):
        services.purchase_accept(purchase=purchase, by=purchase.buyer)


def test_an_agent_opens_with_a_buyer_who_asked_and_the_buyer_accepts():
    listing = ListingFactory()
    buyer = BuyerFactory()
    conversation_start(buyer=buyer, listing=listing, body="还在卖吗？")

    purchase = services.purchase_open(by=listing.agent, listing=listing, buyer=buyer)
    services.purchase_accept(purchase=purchase, by=buyer)

    listing.refresh_from_db()
    assert listing.status == Listing.Status.RESERVED


def test_an_agent_cannot_open_with_a_stranger_or_on_another_agents_flat():
    listing = ListingFactory()
    stranger = BuyerFactory()

    with pytest.raises(ValidationError) as refused:
        services.purchase_open(by=listing.agent, listing=listing, buyer=stranger)
    assert "buyer" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.purchase_open(by=AgentFactory(), listing=listing, buyer=stranger)


def test_a_flat_not_on_the_market_cannot_be_opened():
    listing = ListingFactory(status=Listing.Status.WITHDRAWN)

    with pytest.raises(ValidationError) as refused:
        services.purchase_open(by=BuyerFactory(), listing=listing)
    assert "listing" in refused.value.message_dict


def test_one_open_purchase_per_buyer_and_flat():
    purchase = PurchaseFactory(accepted=False)

    with pytest.raises(ValidationError):
        services.purchase_open(by=purchase.buyer, listing=purchase.listing)


def test_only_one_purchase_of_a_flat_is_under_way():
    listing = ListingFactory()
    first = services.purchase_open(by=BuyerFactory(), listing=listing)
    second = services.purchase_open(by=BuyerFactory(), listing=listing)
    services.purchase_accept(purchase=first, by=listing.agent)

    with pytest.raises(ValidationError):  # the flat is reserved: not on the market any more
        services.purchase_accept(purchase=second, by=listing.agent)
    second.refresh_from_db()
    assert second.status == Purchase.Status.PROPOSED


def test_the_database_refuses_two_active_purchases_of_one_flat():
    first = PurchaseFactory()
    second = services.purchase_open(by=BuyerFactory(), listing=ListingFactory())

    with pytest.raises(IntegrityError), transaction.atomic():
        Purchase.objects.filter(pk=second.pk).update(listing=first.listing, status="active")


def test_opening_is_limited_per_day(settings):
    settings.PURCHASES_OPENED_PER_DAY = 2
    buyer = BuyerFactory()
    for _n in range(2):
        services.purchase_open(by=buyer, listing=ListingFactory())

    with pytest.raises(LimitExceeded) as refused:
        services.purchase_open(by=buyer, listing=ListingFactory())
    assert refused.value.retry_after > 0
    assert Purchase.objects.filter(buyer=buyer).count() == 2


def test_abandoning_puts_a_reserved_flat_back_on_the_market():
    purchase = PurchaseFactory()

    services.purchase_abandon(purchase=purchase, by=purchase.buyer)

    purchase.refresh_from_db()
    purchase.listing.refresh_from_db()
    assert purchase.status == Purchase.Status.ABANDONED
    assert purchase.listing.status == Listing.Status.ACTIVE
    assert Notification.objects.filter(recipient=purchase.agent, kind=Kind.PURCHASE_UPDATE).exists()
    # and the flat can be bought again
    services.purchase_open(by=BuyerFactory(), listing=purchase.listing)


def test_declining_a_proposal_leaves_the_flat_as_it_was():
    purchase = PurchaseFactory(accepted=False)

    services.purchase_abandon(purchase=purchase, by=purchase.agent)

    purchase.listing.refresh_from_db()
    assert purchase.listing.status == Listing.Status.ACTIVE


# --- the order rules ---------------------------------------------------------------------------


def test_the_agent_marks_steps_done_and_the_buyer_is_told():
    purchase = PurchaseFactory()

    change = services.step_update(
        step=step_of(purchase, Kind_.OWNERSHIP), by=purchase.agent, data={"status": DONE}
    )

    assert change.step.status == DONE
    assert change.step.done_on == timezone.localdate()
    told = Notification.objects.get(recipient=purchase.buyer, kind=Kind.PURCHASE_STEP_DONE)
    assert "已核对不动产权证" in told.text  # in the buyer's language, Chinese by default


def test_the_buyer_cannot_mark_an_agents_step():
    purchase = PurchaseFactory()

    with pytest.raises(PermissionDenied):
        services.step_update(
            step=step_of(purchase, Kind_.OWNERSHIP), by=purchase.buyer, data={"status": DONE}
        )


def test_the_agent_cannot_confirm_a_step_that_moves_money():
    purchase = PurchaseFactory()
    finish_checks(purchase)

    with pytest.raises(PermissionDenied):
        services.step_update(
            step=step_of(purchase, Kind_.DEPOSIT), by=purchase.agent, data={"status": DONE}
        )


@pytest.mark.parametrize("missing", MONEY_NEEDS)
@pytest.mark.parametrize("money_step", [Kind_.DEPOSIT, Kind_.TRANSFER])
def test_money_waits_for_every_check(missing, money_step):
    purchase = PurchaseFactory()
    finish(purchase, [kind for kind in MONEY_NEEDS if kind != missing])

    with pytest.raises(ValidationError) as refused:
        services.step_update(
            step=step_of(purchase, money_step), by=purchase.buyer, data={"status": DONE}
        )

    message = refused.value.message_dict["status"][0]
    assert "Do not pay yet" in message
    assert str(Step.Kind(missing).label) in message
    assert step_of(purchase, money_step).status == Step.Status.TODO


def test_the_buyer_confirms_the_deposit_once_the_checks_are_done():
    purchase = PurchaseFactory()
    finish_checks(purchase)

    services.step_update(
        step=step_of(purchase, Kind_.DEPOSIT), by=purchase.buyer, data={"status": DONE}
    )

    assert step_of(purchase, Kind_.DEPOSIT).status == DONE
    assert Notification.objects.filter(recipient=purchase.agent, kind=Kind.PURCHASE_STEP_DONE)


def test_a_check_cannot_be_reopened_once_money_moved():
    purchase = PurchaseFactory()
    finish_checks(purchase)
    services.step_update(
        step=step_of(purchase, Kind_.DEPOSIT), by=purchase.buyer, data={"status": DONE}
    )

    with pytest.raises(ValidationError) as refused:
        services.step_update(
            step=step_of(purchase, Kind_.ARREARS), by=purchase.agent, data={"status": "todo"}
        )
    assert "status" in refused.value.message_dict


@pytest.mark.parametrize("kind", [*MONEY_NEEDS, Kind_.CONTRACT, Kind_.TRANSFER, Kind_.HANDOVER])
def test_needed_steps_cannot_be_skipped(kind):
    purchase = PurchaseFactory()
    finish_checks(purchase) if kind == Kind_.TRANSFER else None
    actor = purchase.buyer if kind == Kind_.TRANSFER else purchase.agent

    with pytest.raises(ValidationError):
        services.step_update(
            step=step_of(purchase, kind), by=actor, data={"status": Step.Status.NOT_NEEDED}
        )


def test_a_date_in_the_future_is_refused():
    purchase = PurchaseFactory()

    with pytest.raises(ValidationError) as refused:
        services.step_update(
            step=step_of(purchase, Kind_.VIEWING),
            by=purchase.buyer,
            data={"status": DONE, "done_on": timezone.localdate() + timedelta(days=1)},
        )
    assert "done_on" in refused.value.message_dict


def test_steps_of_a_proposal_cannot_change():
    purchase = PurchaseFactory(accepted=False)

    with pytest.raises(ValidationError):
        services.step_update(
            step=step_of(purchase, Kind_.VIEWING), by=purchase.agent, data={"status": DONE}
        )


def complete(purchase):
    finish(purchase, [Kind_.VIEWING, *MONEY_NEEDS, Kind_.CONTRACT, Kind_.HANDOVER])
    finish(purchase, [Kind_.POWER_OF_ATTORNEY], status=Step.Status.NOT_NEEDED)
    services.step_update(
        step=step_of(purchase, Kind_.DEPOSIT), by=purchase.buyer, data={"status": DONE}
    )
    return services.step_update(
        step=step_of(purchase, Kind_.TRANSFER), by=purchase.buyer, data={"status": DONE}
    )


def test_the_last_step_completes_the_purchase_and_sells_the_flat():
    purchase = PurchaseFactory()

    change = complete(purchase)

    purchase.refresh_from_db()
    purchase.listing.refresh_from_db()
    assert change.completed
    assert purchase.status == Purchase.Status.COMPLETED
    assert purchase.listing.status == Listing.Status.SOLD
    assert Notification.objects.filter(
        recipient=purchase.buyer, kind=Kind.PURCHASE_UPDATE, text__contains="装修项目"
    ).exists()


def test_the_buyer_starts_the_renovation_once_from_a_completed_purchase():
    purchase = PurchaseFactory()
    with pytest.raises(ValidationError):
        services.purchase_start_renovation(purchase=purchase, by=purchase.buyer)
    complete(purchase)
    purchase.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.purchase_start_renovation(purchase=purchase, by=purchase.agent)

    project = services.purchase_start_renovation(purchase=purchase, by=purchase.buyer)
    again = services.purchase_start_renovation(purchase=purchase, by=purchase.buyer)

    assert again.pk == project.pk
    assert RenovationProject.objects.count() == 1
    assert project.owner == purchase.buyer
    assert project.listing == purchase.listing
    assert purchase.listing.street_address in project.address
    assert "52 m²" in project.title
    assert project.tasks.count() == 8
    assert project.budget == 24_500
