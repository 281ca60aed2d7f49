"""The purchase checklist: the steps in order, who does each, and the rules between them.

A remote buyer gets hurt where money moves before the flat is known to be clean: so a step
that moves money is the buyer's to confirm, and only once the certificate, the registry extract
and the arrears have been checked (MONEY_NEEDS).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from purchases.models import Step

Kind = Step.Kind


class Side(models.TextChoices):
    """A person's side in a purchase."""

    BUYER = "buyer", _("Buyer")
    AGENT = "agent", _("Agent")


class Actor(models.TextChoices):
    """Who does a step."""

    AGENT = "agent", _("The agent")
    BUYER = "buyer", _("The buyer")
    EITHER = "either", _("The agent or the buyer")


@dataclass(frozen=True)
class StepRule:
    kind: str
    actor: str
    moves_money: bool
    may_be_skipped: bool
    what_to_do: object  # lazy text: what the step asks for, in words, for the page

    @property
    def actor_label(self):
        return Actor(self.actor).label


CHECKLIST: tuple[StepRule, ...] = (
    StepRule(
        Kind.VIEWING,
        # A viewing booked on Walkup ticks it once the buyer says it took place
        # (services.purchases_see_viewing_done); for one held elsewhere, either party says so.
        Actor.EITHER,
        moves_money=False,
        may_be_skipped=False,
        what_to_do=_("See the flat on a video call with the agent, every room and the stairs."),
    ),
    StepRule(
        Kind.OWNERSHIP,
        Actor.AGENT,
        moves_money=False,
        may_be_skipped=False,
        what_to_do=_(
            "Photograph the ownership certificate (不动产权证) and check the owner's name and ID "
            "number against the seller's ID card."
        ),
    ),
    StepRule(
        Kind.ENCUMBRANCES,
        Actor.AGENT,
        moves_money=False,
        may_be_skipped=False,
        what_to_do=_(
            "Get the registry extract (不动产登记簿查询) showing no mortgage (抵押) and no seizure "
            "(查封) on the flat."
        ),
    ),
    StepRule(
        Kind.ARREARS,
        Actor.AGENT,
        moves_money=False,
        may_be_skipped=False,
        what_to_do=_(
            "Confirm heating fees (供暖费) and property fees (物业费) are paid up to date, with "
            "the receipts."
        ),
    ),
    StepRule(
        Kind.DEPOSIT,
        Actor.BUYER,
        moves_money=True,
        may_be_skipped=True,
        what_to_do=_(
            "Pay the deposit into the supervised account (资金监管账户) or to the agency, never "
            "to a private person, and confirm it here."
        ),
    ),
    StepRule(
        Kind.POWER_OF_ATTORNEY,
        Actor.AGENT,
        moves_money=False,
        may_be_skipped=True,
        what_to_do=_(
            "If the buyer cannot travel: a notarised power of attorney (公证委托书). Note who "
            "acts for the buyer, which notary office and what it covers."
        ),
    ),
    StepRule(
        Kind.CONTRACT,
        Actor.AGENT,
        moves_money=False,
        may_be_skipped=False,
        what_to_do=_("Sign the purchase contract (购房合同) and upload it."),
    ),
    StepRule(
        Kind.TRANSFER,
        Actor.BUYER,
        moves_money=True,
        may_be_skipped=False,
        what_to_do=_(
            "Pay the taxes and register the transfer (过户) at the registration centre (不动产登记"
            "中心); confirm it once the new certificate is issued."
        ),
    ),
    StepRule(
        Kind.HANDOVER,
        Actor.AGENT,
        moves_money=False,
        may_be_skipped=False,
        what_to_do=_(
            "Hand over the keys, photograph the water, electricity and gas meter readings, and "
            "transfer the heating account to the buyer."
        ),
    ),
)

RULES: dict[str, StepRule] = {rule.kind: rule for rule in CHECKLIST}
POSITIONS: dict[str, int] = {rule.kind: position for position, rule in enumerate(CHECKLIST)}

# Done, not skipped: these must be checked before any money moves.
MONEY_NEEDS = (Kind.OWNERSHIP, Kind.ENCUMBRANCES, Kind.ARREARS)


def rule_of(step: Step) -> StepRule:
    return RULES[step.kind]


def role_in(purchase, user) -> str | None:
    """A person's side in the purchase (Side), or None for anyone else."""
    if user.pk == purchase.buyer_id:
        return Side.BUYER
    if user.pk == purchase.agent_id:
        return Side.AGENT
    return None


def may_act(step: Step, role: str | None) -> bool:
    """Whether someone on this side may change the step's status, date and note."""
    actor = rule_of(step).actor
    return role is not None and (actor == Actor.EITHER or actor == role)


def money_blockers(steps: list[Step]) -> list[Step]:
    """The checks not yet done that hold up every step that moves money."""
    return [step for step in steps if step.kind in MONEY_NEEDS and step.status != Step.Status.DONE]
