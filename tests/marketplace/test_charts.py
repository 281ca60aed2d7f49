"""Chart geometry: each value lands where its share of the scale puts it; no data, no marks."""

from marketplace.charts import bar_chart, column_chart, line_chart, sparkline


def test_line_chart_maps_values_from_zero_to_the_drawing_area():
    chart = line_chart([("Jan", 0), ("Feb", 1000), ("Mar", 2000)], width=100, height=60, padding=5)

    assert [(point.x, point.y) for point in chart.points] == [(5, 55), (50, 30), (95, 5)]
    assert chart.polyline == "5,55 50,30 95,5"
    assert (chart.minimum, chart.maximum) == (0, 2000)


def test_line_chart_over_its_own_range_puts_the_lowest_at_the_bottom():
    chart = line_chart([("a", 2100), ("b", 2000)], width=100, height=60, padding=5, from_zero=False)

    assert [(point.x, point.y) for point in chart.points] == [(5, 5), (95, 55)]


def test_a_missing_month_keeps_its_place_on_the_x_axis():
    chart = line_chart(
        [("a", 10), ("b", None), ("c", 10), ("d", 20)], width=70, height=40, padding=5
    )

    assert [point.label for point in chart.points] == ["a", "c", "d"]
    assert [point.x for point in chart.points] == [5, 45, 65]


def test_a_flat_line_sits_in_the_middle():
    chart = line_chart([("a", 7), ("b", 7)], width=100, height=60, padding=5, from_zero=False)

    assert {point.y for point in chart.points} == {30}


def test_a_single_point_is_centred():
    chart = line_chart([("only", 5)], width=100, height=60, padding=5)

    assert [(point.x, point.y) for point in chart.points] == [(50, 5)]


def test_no_values_is_an_empty_chart():
    assert line_chart([]).is_empty
    assert line_chart([("a", None), ("b", None)]).is_empty
    assert line_chart([]).polyline == ""
    assert bar_chart([]).is_empty
    assert bar_chart([]).height == 0
    assert column_chart([]).is_empty


def test_bars_are_proportional_to_their_values_from_zero():
    chart = bar_chart(
        [("Xiangyang", 2000), ("Nanshan", 1000), ("Empty", 0)],
        width=300,
        label_width=100,
        value_width=0,
        row_height=20,
        bar_height=10,
    )

    assert [(bar.x, bar.y, bar.width) for bar in chart.bars] == [
        (100, 5, 200),
        (100, 25, 100),
        (100, 45, 0),
    ]
    assert chart.height == 60


def test_columns_touch_like_a_histogram_and_grow_from_the_baseline():
    chart = column_chart([("30000", 4), ("40000", 2), ("50000", 0)], width=300, height=100, gap=0)

    assert [(column.x, column.width) for column in chart.columns] == [
        (0, 100),
        (100, 100),
        (200, 100),
    ]
    assert [(column.y, column.height) for column in chart.columns] == [(0, 100), (50, 50), (100, 0)]
    assert chart.baseline == 100


def test_all_zero_columns_have_no_height():
    chart = column_chart([("a", 0), ("b", 0)], height=80)

    assert [column.height for column in chart.columns] == [0, 0]


def test_sparkline_has_a_point_per_day_with_zero_at_the_bottom():
    chart = sparkline([0, 3, 0, 6], width=32, height=14)

    assert len(chart.points) == 4
    assert chart.points[0].y == chart.points[2].y == 12  # height minus its padding
    assert chart.points[3].y == 2
    assert chart.points[1].y == 7
