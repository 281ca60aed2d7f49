from renovations.chart import BAR_AREA, LABEL_WIDTH, budget_chart
from renovations.selectors import CategoryTotal, Progress, Summary

NO_PROGRESS = Progress(0, 0, 0, 0, 0, 0, 0, 0)


def _summary(budget, labour, materials):
    totals = [
        CategoryTotal("labour", "Labour", labour),
        CategoryTotal("materials", "Materials", materials),
    ]
    return Summary(
        budget=budget, spent=labour + materials, by_category=totals, progress=NO_PROGRESS
    )


def test_bars_are_drawn_to_one_scale_with_the_budget_and_the_8_percent_line():
    chart = budget_chart(_summary(budget=25_000, labour=20_000, materials=7_001))  # 27,001 spent

    budget, spent, labour, materials = chart.bars
    assert (budget.kind, spent.kind) == ("budget", "over")
    assert spent.width == BAR_AREA  # the longest bar fills the area
    assert budget.width == 25_000 * BAR_AREA // 27_001
    assert labour.width == 20_000 * BAR_AREA // 27_001
    assert chart.limit_x == LABEL_WIDTH + 27_000 * BAR_AREA // 27_001
    assert materials.amount == 7_001


def test_under_budget_the_budget_bar_sets_the_scale_with_room_for_the_limit():
    chart = budget_chart(_summary(budget=10_000, labour=1_000, materials=0))

    assert chart.bars[1].kind == "spent"
    assert chart.limit_x == LABEL_WIDTH + BAR_AREA  # 10,800 is the widest mark
    assert chart.bars[0].width == 10_000 * BAR_AREA // 10_800


def test_an_empty_project_draws_without_dividing_by_zero():
    chart = budget_chart(_summary(budget=0, labour=0, materials=0))
    assert all(bar.width == 0 for bar in chart.bars)
