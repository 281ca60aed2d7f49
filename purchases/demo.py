"""A purchase half-way through: buyer2, in Shanghai, buys one of agent2's Hegang flats."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from listings.models import Listing
from purchases import services
from purchases.models import Purchase, Step
from viewings.demo import held_viewing

Kind = Step.Kind
# (step, days ago, note): what agent2 has done so far; the deposit is the buyer's next move.
# The video viewing, 12 days ago, was booked on Walkup: it ticks the first step by itself.
VIEWING_DAYS_AGO = 12
DONE_STEPS = [
    (
        Kind.OWNERSHIP,
        9,
        "不动产权证与卖家身份证核对一致：产权人王某，证号尾号 0417。 Certificate matches the seller's ID.",
    ),
    (
        Kind.ENCUMBRANCES,
        7,
        "不动产登记中心查档：无抵押、无查封。 Registry extract: no mortgage, no seizure.",
    ),
    (
        Kind.ARREARS,
        5,
        "供暖费缴至 2026–2027 采暖季，物业费缴至 2026 年底，收据已拍照。 Heating and property fees paid.",
    ),
]


@transaction.atomic
def load_purchases_demo() -> bool:
    """Create the demo purchase and reserve its flat; False if it is already there."""
    buyer = User.objects.filter(username="buyer2").first()
    agent = User.objects.filter(username="agent2").first()
    if not (buyer and agent):
        return False
    if Purchase.objects.filter(buyer=buyer, agent=agent).exists():
        return False
    listing = (
        Listing.objects.active()
        .filter(agent=agent, city__slug="hegang", price__lte=50_000)
        .order_by("price", "id")
        .first()
    )
    if listing is None:
        return False
    today = timezone.localdate()
    held_viewing(buyer=buyer, listing=listing, day=today - timedelta(days=VIEWING_DAYS_AGO))
    purchase = services.purchase_open(by=buyer, listing=listing)
    services.purchase_accept(purchase=purchase, by=agent)
    steps = {step.kind: step for step in purchase.steps.all()}
    for kind, days_ago, note in DONE_STEPS:
        services.step_update(
            step=steps[kind],
            by=agent,
            data={
                "status": Step.Status.DONE,
                "done_on": today - timedelta(days=days_ago),
                "note": note,
            },
        )
    return True
