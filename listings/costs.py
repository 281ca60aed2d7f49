"""What a flat costs a buyer in all, line by line: the one place these rules live.

Two doors read them and must agree to the yuan: `total_cost(listing, ...)` for one listing (the
card on its page, `total_cost` in the API's detail), with a sentence per line saying how it was
worked out, and `total_cost_expression(...)`, the same sum as a database expression, so search
can filter and sort by it (`ListingFilterSet`). Both use the same whole-number arithmetic:
amounts in yuan, areas and fees in hundredths, rates in basis points, each line rounded half up.

The national figures are data: `POLICIES` holds one row per change of policy with the day it
took effect, and every computation reads the row in force on its day. A new rule is a new row.
The renovation figures per m² are settings (`RENOVATION_COST_PER_M2`), overridable by the
environment.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

BASIS_POINTS = 10_000  # 1 % is 100 basis points


class Home(models.TextChoices):
    """The buyer's own situation, which the deed tax depends on."""

    ONLY = "only_home", gettext_lazy("It will be my only home")
    SECOND = "second_home", gettext_lazy("It will be my second home")


DEFAULT_HOME = Home.ONLY


class SellerTaxesPaidBy(models.TextChoices):
    EACH = "each", gettext_lazy("Each side pays its own taxes")
    BUYER = "buyer", gettext_lazy("The buyer pays all the taxes")


@dataclass(frozen=True)
class Policy:
    """The national figures in force from `effective_from` until the next row's day."""

    effective_from: date
    source: str
    # Deed tax (契税), paid by the buyer: a rate on the whole price by home and area.
    deed_tax_area_threshold_m2: Decimal
    deed_tax_only_home_up_to: int  # basis points, area at or under the threshold
    deed_tax_only_home_above: int
    deed_tax_second_home_up_to: int
    deed_tax_second_home_above: int
    # VAT (增值税) on the sale of a home, levied on the price net of VAT, unless held this long.
    vat_rate: int  # basis points
    vat_exempt_after_years: int
    # The seller's income tax (个人所得税) on the whole price, unless the seller's only home and
    # held this long (满五唯一).
    income_tax_rate: int  # basis points
    income_tax_exempt_after_years: int
    # The registration centre's fee for a home (不动产登记费), per transaction.
    registration_fee: int


POLICIES = (
    Policy(
        effective_from=date(2016, 2, 22),
        source="财税〔2016〕23号",
        deed_tax_area_threshold_m2=Decimal(90),
        deed_tax_only_home_up_to=100,
        deed_tax_only_home_above=150,
        deed_tax_second_home_up_to=100,
        deed_tax_second_home_above=200,
        vat_rate=500,
        vat_exempt_after_years=2,
        income_tax_rate=100,
        income_tax_exempt_after_years=5,
        registration_fee=80,
    ),
    Policy(
        effective_from=date(2024, 12, 1),
        source="财政部 税务总局 住房城乡建设部公告2024年第16号",
        deed_tax_area_threshold_m2=Decimal(140),
        deed_tax_only_home_up_to=100,
        deed_tax_only_home_above=150,
        deed_tax_second_home_up_to=100,
        deed_tax_second_home_above=200,
        vat_rate=500,
        vat_exempt_after_years=2,
        income_tax_rate=100,
        income_tax_exempt_after_years=5,
        registration_fee=80,
    ),
)


def policy_on(day: date, policies: tuple[Policy, ...] = POLICIES) -> Policy:
    """The row in force on `day`: the latest one that had taken effect."""
    in_force = [policy for policy in policies if policy.effective_from <= day]
    if not in_force:
        raise LookupError(f"No cost policy in force on {day}.")
    return max(in_force, key=lambda policy: policy.effective_from)


def deed_tax_rates(policy: Policy, home: str) -> tuple[int, int]:
    """(rate up to the threshold, rate above it), in basis points."""
    if home == Home.SECOND:
        return policy.deed_tax_second_home_up_to, policy.deed_tax_second_home_above
    return policy.deed_tax_only_home_up_to, policy.deed_tax_only_home_above


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def renovation_cost_per_m2() -> dict[str, int]:
    return settings.RENOVATION_COST_PER_M2


# --- whole-number arithmetic shared by Python and the database --------------------------------


def share(amount: int, numerator: int, denominator: int) -> int:
    """amount × numerator ÷ denominator rounded half up, in whole numbers (amounts are ≥ 0)."""
    return (2 * amount * numerator + denominator) // (2 * denominator)


def hundredths(value: Decimal | None) -> int:
    """A two-decimal quantity (m², yuan per m², a percentage) as a whole number of hundredths."""
    return 0 if value is None else int(Decimal(value).quantize(Decimal("0.01")) * 100)


def _db_share(amount, numerator, denominator):
    """`share`, as a database expression over whole numbers (truncating division, as `//`)."""
    big = models.BigIntegerField()
    return models.ExpressionWrapper(
        (Value(2, big) * amount * numerator + Value(denominator, big))
        / Value(2 * denominator, big),
        output_field=big,
    )


def _db_hundredths(name: str):
    return Coalesce(
        Cast(Round(F(name) * 100), models.BigIntegerField()), Value(0, models.BigIntegerField())
    )


# --- one listing, line by line ------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    key: str
    label: str
    amount: int
    explanation: str


@dataclass(frozen=True)
class TotalCost:
    home: str
    lines: list[CostLine]
    monthly_savings: int | None

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def months_of_savings(self) -> int | None:
        """Whole months of the buyer's savings the total takes (a started month counts)."""
        if not self.monthly_savings:
            return None
        return -(-self.total // self.monthly_savings)


def _yuan(amount: int) -> str:
    return f"¥{amount:,}"


def _percent(basis_points: int) -> str:
    return f"{Decimal(basis_points) / 100:g} %"


def _area(area: Decimal) -> str:
    return f"{Decimal(area).normalize():f} m²"


def price_line(listing) -> CostLine:
    return CostLine("price", _("Price"), listing.price, _("The asking price of the flat."))


def deed_tax_line(listing, policy: Policy, home: str) -> CostLine:
    up_to, above = deed_tax_rates(policy, home)
    threshold = policy.deed_tax_area_threshold_m2
    small = Decimal(listing.area_m2) <= threshold
    rate = up_to if small else above
    amount = share(listing.price, rate, BASIS_POINTS)
    values = {
        "rate": _percent(rate),
        "price": _yuan(listing.price),
        "area": _area(listing.area_m2),
        "threshold": _area(threshold),
        "since": policy.effective_from.isoformat(),
    }
    if home == Home.SECOND:
        template = (
            _(
                "%(rate)s of %(price)s: a second home of %(area)s, at most %(threshold)s (rule since %(since)s)."
            )
            if small
            else _(
                "%(rate)s of %(price)s: a second home of %(area)s, over %(threshold)s (rule since %(since)s)."
            )
        )
    else:
        template = (
            _(
                "%(rate)s of %(price)s: your only home, %(area)s, at most %(threshold)s (rule since %(since)s)."
            )
            if small
            else _(
                "%(rate)s of %(price)s: your only home, %(area)s, over %(threshold)s (rule since %(since)s)."
            )
        )
    return CostLine("deed_tax", _("Deed tax"), amount, template % values)


def seller_taxes_lines(listing, policy: Policy, today: date) -> list[CostLine]:
    """The seller's VAT and income tax, which are the buyer's only when the listing says so."""
    if listing.seller_taxes_paid_by != SellerTaxesPaidBy.BUYER:
        return []
    owned_since = listing.seller_owned_since
    vat_free_from = years_before(today, policy.vat_exempt_after_years)
    income_free_from = years_before(today, policy.income_tax_exempt_after_years)
    price = _yuan(listing.price)

    if owned_since is None:
        vat = share(listing.price, policy.vat_rate, BASIS_POINTS + policy.vat_rate)
        vat_text = _(
            "%(rate)s of %(price)s net of VAT: the listing does not say since when the seller "
            "owns the flat, so it is counted as held under %(years)d years. Ask the agent."
        ) % {
            "rate": _percent(policy.vat_rate),
            "price": price,
            "years": policy.vat_exempt_after_years,
        }
    elif owned_since <= vat_free_from:
        vat = 0
        vat_text = _(
            "None: the seller has owned the flat since %(since)s, %(years)d years or more."
        ) % {
            "since": owned_since.isoformat(),
            "years": policy.vat_exempt_after_years,
        }
    else:
        vat = share(listing.price, policy.vat_rate, BASIS_POINTS + policy.vat_rate)
        vat_text = _(
            "%(rate)s of %(price)s net of VAT: the seller has owned the flat since %(since)s, "
            "under %(years)d years."
        ) % {
            "rate": _percent(policy.vat_rate),
            "price": price,
            "since": owned_since.isoformat(),
            "years": policy.vat_exempt_after_years,
        }

    exempt = (
        listing.seller_only_home and owned_since is not None and owned_since <= income_free_from
    )
    if exempt:
        income = 0
        income_text = _(
            "None: the seller's only home, owned since %(since)s, %(years)d years or more."
        ) % {"since": owned_since.isoformat(), "years": policy.income_tax_exempt_after_years}
    else:
        income = share(listing.price, policy.income_tax_rate, BASIS_POINTS)
        income_text = _(
            "%(rate)s of %(price)s: exempt only when it is the seller's only home, held "
            "%(years)d years or more, and the listing does not say so."
        ) % {
            "rate": _percent(policy.income_tax_rate),
            "price": price,
            "years": policy.income_tax_exempt_after_years,
        }
    return [
        CostLine("seller_vat", _("Seller's VAT (the buyer pays it)"), vat, vat_text),
        CostLine(
            "seller_income_tax", _("Seller's income tax (the buyer pays it)"), income, income_text
        ),
    ]


def registration_line(policy: Policy) -> CostLine:
    return CostLine(
        "registration_fee",
        _("Registration fee"),
        policy.registration_fee,
        _("The registration centre's fee for a home: %(fee)s per transaction.")
        % {"fee": _yuan(policy.registration_fee)},
    )


def agent_fee_rate(listing) -> Decimal | None:
    # A missing agent or profile raises an AttributeError subclass, so getattr's default.
    profile = getattr(getattr(listing, "agent", None), "agent_profile", None)
    return profile.fee_percent if profile is not None else None


def agent_fee_line(listing) -> CostLine:
    rate = agent_fee_rate(listing)
    if rate is None:
        return CostLine(
            "agent_fee",
            _("Agent's fee"),
            0,
            _("The agent has not stated a fee: ask before you agree to anything."),
        )
    basis_points = hundredths(rate)
    return CostLine(
        "agent_fee",
        _("Agent's fee"),
        share(listing.price, basis_points, BASIS_POINTS),
        _("%(rate)s of %(price)s, the agent's stated rate.")
        % {"rate": _percent(basis_points), "price": _yuan(listing.price)},
    )


def renovation_line(listing) -> CostLine:
    per_m2 = renovation_cost_per_m2().get(listing.condition, 0)
    return CostLine(
        "renovation",
        _("Renovation estimate"),
        share(hundredths(listing.area_m2), per_m2, 100),
        _("%(area)s × %(per_m2)s per m² for a flat in this condition (%(condition)s).")
        % {
            "area": _area(listing.area_m2),
            "per_m2": _yuan(per_m2),
            "condition": listing.get_condition_display(),
        },
    )


def heating_line(listing) -> CostLine:
    fee = listing.heating_fee_per_m2
    if fee is None:
        return CostLine(
            "heating",
            _("First winter's heating"),
            0,
            _("The listing does not give the heating fee: ask the agent."),
        )
    return CostLine(
        "heating",
        _("First winter's heating"),
        share(hundredths(listing.area_m2) * hundredths(fee), 1, BASIS_POINTS),
        _("%(area)s × ¥%(fee)s per m², the listing's yearly heating fee.")
        % {"area": _area(listing.area_m2), "fee": f"{Decimal(fee).normalize():f}"},
    )


def property_fees_line(listing) -> CostLine:
    fee = listing.property_fee_per_m2_month
    if fee is None:
        return CostLine(
            "property_fees",
            _("A year of property fees"),
            0,
            _("The listing does not give the property fee: ask the agent."),
        )
    return CostLine(
        "property_fees",
        _("A year of property fees"),
        share(hundredths(listing.area_m2) * hundredths(fee) * 12, 1, BASIS_POINTS),
        _("%(area)s × ¥%(fee)s per m² a month × 12 months.")
        % {"area": _area(listing.area_m2), "fee": f"{Decimal(fee).normalize():f}"},
    )


def total_cost(
    listing, *, home: str = DEFAULT_HOME, today: date | None = None, monthly_savings=None
) -> TotalCost:
    """Every line of what the flat costs the buyer, for a buyer in `home`'s situation."""
    today = today or timezone.localdate()
    policy = policy_on(today)
    lines = [
        price_line(listing),
        deed_tax_line(listing, policy, home),
        *seller_taxes_lines(listing, policy, today),
        registration_line(policy),
        agent_fee_line(listing),
        renovation_line(listing),
        heating_line(listing),
        property_fees_line(listing),
    ]
    return TotalCost(home=home, lines=lines, monthly_savings=monthly_savings)


# --- the same total in the database -------------------------------------------------------------


def total_cost_expression(*, home: str = DEFAULT_HOME, today: date | None = None):
    """The total of `total_cost` as an expression over a listing row (and its agent's profile),
    for filtering and sorting in one query."""
    today = today or timezone.localdate()
    policy = policy_on(today)
    big = models.BigIntegerField()
    zero = Value(0, big)
    price = Cast(F("price"), big)
    area = _db_hundredths("area_m2")

    up_to, above = deed_tax_rates(policy, home)
    deed_tax = Case(
        When(
            area_m2__lte=policy.deed_tax_area_threshold_m2,
            then=_db_share(price, Value(up_to, big), BASIS_POINTS),
        ),
        default=_db_share(price, Value(above, big), BASIS_POINTS),
        output_field=big,
    )
    vat = Case(
        When(
            seller_owned_since__lte=years_before(today, policy.vat_exempt_after_years),
            then=zero,
        ),
        default=_db_share(price, Value(policy.vat_rate, big), BASIS_POINTS + policy.vat_rate),
        output_field=big,
    )
    income_tax = Case(
        When(
            Q(
                seller_only_home=True,
                seller_owned_since__lte=years_before(today, policy.income_tax_exempt_after_years),
            ),
            then=zero,
        ),
        default=_db_share(price, Value(policy.income_tax_rate, big), BASIS_POINTS),
        output_field=big,
    )
    seller_taxes = Case(
        When(seller_taxes_paid_by=SellerTaxesPaidBy.BUYER, then=vat + income_tax),
        default=zero,
        output_field=big,
    )
    agent_fee = _db_share(price, _db_hundredths("agent__agent_profile__fee_percent"), BASIS_POINTS)
    renovation = Case(
        *[
            When(Q(condition=condition), then=_db_share(area, Value(per_m2, big), 100))
            for condition, per_m2 in renovation_cost_per_m2().items()
        ],
        default=zero,
        output_field=big,
    )
    heating = _db_share(area * _db_hundredths("heating_fee_per_m2"), Value(1, big), BASIS_POINTS)
    property_fees = _db_share(
        area * _db_hundredths("property_fee_per_m2_month") * Value(12, big),
        Value(1, big),
        BASIS_POINTS,
    )
    return models.ExpressionWrapper(
        price
        + deed_tax
        + seller_taxes
        + Value(policy.registration_fee, big)
        + agent_fee
        + renovation
        + heating
        + property_fees,
        output_field=big,
    )
