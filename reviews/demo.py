"""Demo reviews of agent1 (called by `manage.py load_demo` after the viewings demo; idempotent):
two buyers who bought one of agent1's sold flats and one who watched a flat by video review
agent1; agent1 answered one; staff hid one that carried a phone number. buyer2's done viewing
is left to review, so the demo shows the form."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from listings.models import Listing
from purchases import steps as checklist
from purchases.models import Purchase, Step
from reviews import services
from viewings.models import Viewing

# (buyer, what they reviewed, stars, text, agent1's answer, why staff hid it)
DEMO_REVIEWS = [
    (
        "buyer3",
        "purchase",
        5,
        "人在深圳，没去过鹤岗。王经理每一步都视频给我看：产权证、查档、暖气费收据都提前拍好。"
        " I never went to Hegang; every paper was shown on video before I paid.",
        "谢谢您的信任！冬天暖气有问题随时找我。 Thank you, call me if the heating gives trouble.",
        "",
    ),
    (
        "buyer1",
        "viewing",
        4,
        "视频看房很仔细，楼道和窗户都看了，只是约时间等了两天。"
        " A careful video viewing; it took two days to find a time.",
        "",
        "",
    ),
    (
        "buyer1",
        "purchase",
        5,
        "非常好，想买房直接打他电话 138 0000 0000。 Great, call him directly on 138 0000 0000.",
        "",
        "含有电话号码：请通过 Walkup 联系经纪人。 Contains a phone number: contact agents through Walkup.",
    ),
]


@transaction.atomic
def load_reviews_demo(*, now=None) -> None:
    now = now or timezone.now()
    people = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    agent, admin = people.get("agent1"), people.get("admin")
    if agent is None or admin is None:
        return
    sold_flats = iter(
        Listing.objects.filter(agent=agent, status=Listing.Status.SOLD).order_by("id")[:2]
    )
    for username, basis, stars, text, answer, hidden_reason in DEMO_REVIEWS:
        buyer = people.get(username)
        if buyer is None:
            continue
        if basis == "purchase":
            listing = next(sold_flats, None)
            source = listing and _completed_purchase(buyer, agent, listing, now)
        else:
            source = _done_viewing(buyer, agent)
        if source is None or source.reviews.exists():
            continue
        review = services.review_create(by=buyer, rating=stars, text=text, **{basis: source})
        if answer:
            services.review_answer(review=review, by=agent, text=answer)
        if hidden_reason:
            services.review_hide(review=review, by=admin, reason=hidden_reason)


DEMO_USERNAMES = ["agent1", "admin", *{row[0] for row in DEMO_REVIEWS}]


def _done_viewing(buyer, agent) -> Viewing | None:
    return (
        Viewing.objects.filter(buyer=buyer, agent=agent, status=Viewing.Status.DONE)
        .order_by("id")
        .first()
    )


def _completed_purchase(buyer, agent, listing, now) -> Purchase:
    """A purchase of a flat the demo already shows as sold: written directly, as no service
    walks a purchase through a flat that is off the market."""
    purchase = Purchase.objects.filter(listing=listing, buyer=buyer).first()
    if purchase is not None:
        return purchase
    closed_at = listing.left_market_at or now - timedelta(days=30)
    purchase = Purchase.objects.create(
        listing=listing,
        buyer=buyer,
        agent=agent,
        opened_by=buyer,
        status=Purchase.Status.COMPLETED,
        accepted_at=closed_at - timedelta(days=40),
        closed_at=closed_at,
    )
    Purchase.objects.filter(pk=purchase.pk).update(created_at=closed_at - timedelta(days=42))
    finished_on = timezone.localtime(closed_at).date()
    Step.objects.bulk_create(
        Step(
            purchase=purchase,
            kind=rule.kind,
            position=position,
            status=Step.Status.DONE,
            done_on=finished_on,
        )
        for position, rule in enumerate(checklist.CHECKLIST)
    )
    return purchase
