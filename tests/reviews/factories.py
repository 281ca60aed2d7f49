from datetime import timedelta

import factory
from django.utils import timezone

from purchases import services as purchases
from purchases.models import Purchase, Step
from purchases.steps import MONEY_NEEDS
from reviews.models import Review
from tests.purchases.factories import PurchaseFactory, step_of
from tests.viewings.factories import ViewingFactory
from viewings.models import Viewing

Kind = Step.Kind
DONE = Step.Status.DONE


def completed_purchase(**fields) -> Purchase:
    """A purchase walked to its end through the services: the flat is sold, the buyer may
    review its agent."""
    purchase = PurchaseFactory(**fields)
    for kind in [Kind.VIEWING, *MONEY_NEEDS, Kind.CONTRACT, Kind.HANDOVER]:
        purchases.step_update(
            step=step_of(purchase, kind), by=purchase.agent, data={"status": DONE}
        )
    purchases.step_update(
        step=step_of(purchase, Kind.POWER_OF_ATTORNEY),
        by=purchase.agent,
        data={"status": Step.Status.NOT_NEEDED},
    )
    for kind in [Kind.DEPOSIT, Kind.TRANSFER]:
        purchases.step_update(
            step=step_of(purchase, kind), by=purchase.buyer, data={"status": DONE}
        )
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.COMPLETED
    return purchase


def done_viewing(**fields) -> Viewing:
    fields.setdefault("starts_at", timezone.now() - timedelta(days=2))
    return ViewingFactory(status=Viewing.Status.DONE, done_at=timezone.now(), **fields)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review row after a done viewing, as the database holds it (no rules checked, no
    notification); use reviews.services for those."""

    class Meta:
        model = Review

    viewing = factory.LazyFunction(done_viewing)
    agent = factory.LazyAttribute(lambda review: review.viewing.agent)
    author = factory.LazyAttribute(lambda review: review.viewing.buyer)
    listing = factory.LazyAttribute(lambda review: review.viewing.listing)
    rating = 4
    text = factory.Sequence(lambda n: f"暖气和窗户都和视频里一样。Review {n}.")


def reviews_of(listing, count: int, **fields) -> list[Review]:
    """`count` reviews of the listing's agent, each from another buyer's done viewing."""
    return [ReviewFactory(viewing=done_viewing(listing=listing), **fields) for _ in range(count)]
