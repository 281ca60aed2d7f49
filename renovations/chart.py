"""The budget-vs-spent chart's geometry, computed here so the template only draws rectangles."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from renovations.selectors import OVERRUN_TOLERANCE_PERCENT, Summary

LABEL_WIDTH = 110
BAR_AREA = 300
ROW_HEIGHT = 32
BAR_HEIGHT = 22
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    amount: int
    y: int
    width: int
    kind: str  # "budget", "spent", "over" or "category": a CSS class


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    budget_x: int
    limit_x: int  # where the tolerance (OVERRUN_TOLERANCE_PERCENT) ends


def budget_chart(summary: Summary) -> Chart:
    rows = [
        (_("Budget"), summary.budget, "budget"),
        (_("Spent"), summary.spent, "over" if summary.over_budget else "spent"),
        *((str(total.label), total.spent, "category") for total in summary.by_category),
    ]
    limit = summary.budget * (100 + OVERRUN_TOLERANCE_PERCENT) // 100
    scale = max(summary.budget, summary.spent, limit, 1)
    bars = [
        Bar(
            label=label,
            amount=amount,
            y=TOP + index * ROW_HEIGHT,
            width=amount * BAR_AREA // scale,
            kind=kind,
        )
        for index, (label, amount, kind) in enumerate(rows)
    ]
    return Chart(
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 90,
        height=TOP * 2 + len(rows) * ROW_HEIGHT,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        budget_x=LABEL_WIDTH + summary.budget * BAR_AREA // scale,
        limit_x=LABEL_WIDTH + limit * BAR_AREA // scale,
    )
