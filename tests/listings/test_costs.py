"""The total-cost rules (listings.costs) against figures worked out by hand, at their edges."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import AgentProfile
from listings import costs
from listings.costs import Home, SellerTaxesPaidBy
from listings.models import Listing
from tests.listings.factories import ListingFactory

TODAY = date(2026, 12, 3)


def flat(**fields) -> Listing:
    """An unsaved listing: the rules read fields only (and the agent's profile, if any)."""
    values = {
        "price": 46_000,
        "area_m2": Decimal("50.00"),
        "condition": Listing.Condition.NEEDS_RENOVATION,
        "heating_fee_per_m2": Decimal("28.00"),
        "property_fee_per_m2_month": Decimal("0.45"),
        **fields,
    }
    return Listing(**values)


def lines_of(listing, **options) -> dict[str, int]:
    cost = costs.total_cost(listing, today=TODAY, **options)
    return {line.key: line.amount for line in cost.lines}


# --- the dated table ------------------------------------------------------------------------


def test_the_rule_in_force_changes_on_1_december_2024():
    assert costs.policy_on(date(2024, 11, 30)).deed_tax_area_threshold_m2 == 90
    assert costs.policy_on(date(2024, 12, 1)).deed_tax_area_threshold_m2 == 140
    assert costs.policy_on(TODAY).effective_from == date(2024, 12, 1)


def test_a_new_row_is_a_new_rule_from_its_day():
    later = costs.Policy(
        **{**costs.POLICIES[-1].__dict__, "effective_from": date(2027, 1, 1), "registration_fee": 0}
    )
    table = (*costs.POLICIES, later)

    assert costs.policy_on(date(2026, 12, 31), table).registration_fee == 80
    assert costs.policy_on(date(2027, 1, 1), table).registration_fee == 0


def test_no_rule_before_the_first_row():
    with pytest.raises(LookupError):
        costs.policy_on(date(2000, 1, 1))


# --- deed tax -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "home", "expected"),
    [
        ("140.00", Home.ONLY, 460),  # 1 % of ¥46,000: exactly 140 m² is "up to 140"
        ("140.01", Home.ONLY, 690),  # 1.5 %
        ("140.00", Home.SECOND, 460),  # 1 %
        ("140.01", Home.SECOND, 920),  # 2 %
        ("50.00", Home.SECOND, 460),
    ],
)
def test_deed_tax_at_140_square_metres(area, home, expected):
    assert lines_of(flat(area_m2=Decimal(area)), home=home)["deed_tax"] == expected


def test_deed_tax_before_december_2024_used_90_square_metres():
    listing = flat(area_m2=Decimal("100.00"))

    before = costs.total_cost(listing, today=date(2024, 11, 30))
    after = costs.total_cost(listing, today=date(2024, 12, 1))

    assert before.lines[1].amount == 690  # 1.5 %: over 90 m²
    assert after.lines[1].amount == 460  # 1 %: up to 140 m²


def test_deed_tax_rounds_half_up_to_the_yuan():
    assert lines_of(flat(price=46_050))["deed_tax"] == 461  # 460.50


# --- the seller's taxes ---------------------------------------------------------------------


def test_each_side_paying_its_own_taxes_adds_no_seller_taxes():
    lines = lines_of(flat(seller_taxes_paid_by=SellerTaxesPaidBy.EACH))

    assert "seller_vat" not in lines
    assert "seller_income_tax" not in lines


@pytest.mark.parametrize(
    ("owned_since", "expected_vat"),
    [
        (date(2024, 12, 3), 0),  # exactly two years on TODAY: exempt
        (date(2024, 12, 4), 2190),  # a day short: 5 % of 46,000 ÷ 1.05 = 2,190.48
        (None, 2190),  # unknown: counted as due
    ],
)
def test_seller_vat_after_two_years(owned_since, expected_vat):
    listing = flat(seller_taxes_paid_by=SellerTaxesPaidBy.BUYER, seller_owned_since=owned_since)

    assert lines_of(listing)["seller_vat"] == expected_vat


@pytest.mark.parametrize(
    ("owned_since", "only_home", "expected_tax"),
    [
        (date(2021, 12, 3), True, 0),  # the seller's only home, exactly five years
        (date(2021, 12, 4), True, 460),  # a day short: 1 % of the price
        (date(2000, 1, 1), False, 460),  # not the only home, however long held
        (None, True, 460),  # unknown ownership date
    ],
)
def test_seller_income_tax_after_five_years_of_an_only_home(owned_since, only_home, expected_tax):
    listing = flat(
        seller_taxes_paid_by=SellerTaxesPaidBy.BUYER,
        seller_owned_since=owned_since,
        seller_only_home=only_home,
    )

    assert lines_of(listing)["seller_income_tax"] == expected_tax


def test_an_unknown_ownership_date_says_so():
    listing = flat(seller_taxes_paid_by=SellerTaxesPaidBy.BUYER)

    vat = next(
        line for line in costs.total_cost(listing, today=TODAY).lines if line.key == "seller_vat"
    )

    assert "does not say since when" in vat.explanation


def test_29_february_counts_back_to_28_february():
    assert costs.years_before(date(2028, 2, 29), 2) == date(2026, 2, 28)


# --- fees and estimates ---------------------------------------------------------------------


@pytest.mark.django_db
def test_agent_fee_is_the_agents_stated_rate():
    listing = ListingFactory(price=46_000)
    AgentProfile.objects.filter(user=listing.agent).update(fee_percent=Decimal("1.50"))
    listing = Listing.objects.select_related("agent__agent_profile").get(pk=listing.pk)

    cost = costs.total_cost(listing, today=TODAY)
    fee = next(line for line in cost.lines if line.key == "agent_fee")

    assert fee.amount == 690
    assert "1.5 %" in fee.explanation


@pytest.mark.django_db
def test_an_agent_without_a_stated_rate_adds_nothing_and_says_to_ask():
    listing = ListingFactory()

    fee = next(line for line in costs.total_cost(listing).lines if line.key == "agent_fee")

    assert fee.amount == 0
    assert "ask" in fee.explanation


@pytest.mark.parametrize(
    ("condition", "area", "expected"),
    [
        (Listing.Condition.NEEDS_RENOVATION, "50.00", 24_500),  # the template's ¥24,500
        (Listing.Condition.NEEDS_RENOVATION, "45.55", 22_320),  # 22,319.5 rounds up
        (Listing.Condition.BASIC, "50.00", 7_000),
        (Listing.Condition.RENOVATED, "50.00", 0),
    ],
)
def test_renovation_estimate_from_condition_and_area(condition, area, expected):
    assert lines_of(flat(condition=condition, area_m2=Decimal(area)))["renovation"] == expected


def test_renovation_figures_come_from_the_settings(settings):
    settings.RENOVATION_COST_PER_M2 = {**settings.RENOVATION_COST_PER_M2, "basic": 200}

    assert lines_of(flat(condition=Listing.Condition.BASIC))["renovation"] == 10_000


def test_the_settings_agree_with_the_renovation_template(settings):
    from renovations.services import SMALL_FLAT_TEMPLATE

    template_total = sum(task.estimated_cost for task in SMALL_FLAT_TEMPLATE)

    # The template is for about 50 m².
    assert settings.RENOVATION_COST_PER_M2["needs_renovation"] == template_total // 50


def test_heating_and_property_fees():
    lines = lines_of(flat(area_m2=Decimal("45.55"), heating_fee_per_m2=Decimal("24.50")))

    assert lines["heating"] == 1116  # 45.55 × 24.50 = 1,115.975
    assert lines["property_fees"] == 246  # 45.55 × 0.45 × 12 = 245.97


def test_fees_not_given_add_nothing_and_say_so():
    cost = costs.total_cost(
        flat(heating_fee_per_m2=None, property_fee_per_m2_month=None), today=TODAY
    )
    lines = {line.key: line for line in cost.lines}

    assert lines["heating"].amount == lines["property_fees"].amount == 0
    assert "ask the agent" in lines["heating"].explanation
    assert "ask the agent" in lines["property_fees"].explanation


# --- the whole ------------------------------------------------------------------------------


def test_a_typical_hegang_flat_in_all():
    cost = costs.total_cost(flat(), today=TODAY)

    assert [(line.key, line.amount) for line in cost.lines] == [
        ("price", 46_000),
        ("deed_tax", 460),
        ("registration_fee", 80),
        ("agent_fee", 0),
        ("renovation", 24_500),
        ("heating", 1_400),
        ("property_fees", 270),
    ]
    assert cost.total == 72_710
    assert all(line.explanation for line in cost.lines)


@pytest.mark.parametrize(
    ("savings", "months"), [(None, None), (0, None), (3_000, 25), (72_710, 1), (36_355, 2)]
)
def test_months_of_savings_count_a_started_month(savings, months):
    assert (
        costs.total_cost(flat(), today=TODAY, monthly_savings=savings).months_of_savings == months
    )


# --- the database agrees --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("home", [Home.ONLY, Home.SECOND])
def test_the_database_total_equals_the_python_total(home):
    variants = [
        {"area_m2": Decimal("140.00")},
        {"area_m2": Decimal("140.01"), "price": 99_999},
        {"area_m2": Decimal("45.55"), "heating_fee_per_m2": Decimal("24.50")},
        {"heating_fee_per_m2": None, "condition": Listing.Condition.BASIC},
        {"condition": Listing.Condition.RENOVATED, "price": 46_050},
        {"seller_taxes_paid_by": SellerTaxesPaidBy.BUYER},
        {"seller_taxes_paid_by": SellerTaxesPaidBy.BUYER, "seller_owned_since": date(2024, 12, 3)},
        {"seller_taxes_paid_by": SellerTaxesPaidBy.BUYER, "seller_owned_since": date(2024, 12, 4)},
        {
            "seller_taxes_paid_by": SellerTaxesPaidBy.BUYER,
            "seller_owned_since": date(2021, 12, 3),
            "seller_only_home": True,
        },
        {
            "seller_taxes_paid_by": SellerTaxesPaidBy.BUYER,
            "seller_owned_since": date(2021, 12, 4),
            "seller_only_home": True,
        },
        {"property_fee_per_m2_month": Decimal("0.45"), "area_m2": Decimal("33.33")},
    ]
    listings = [ListingFactory(**fields) for fields in variants]
    AgentProfile.objects.filter(user=listings[0].agent).update(fee_percent=Decimal("2.25"))

    annotated = {
        listing.pk: listing
        for listing in Listing.objects.select_related("agent__agent_profile").with_total_cost(
            home=home, today=TODAY
        )
    }

    for listing in listings:
        row = annotated[listing.pk]
        assert row.total_cost == costs.total_cost(row, home=home, today=TODAY).total, listing
