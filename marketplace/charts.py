"""Chart geometry for inline SVG drawn on the server: numbers in, coordinates out.

Templates only place what these functions computed (no script, no other host), and every chart
is shown beside a table of the same figures. The y axis of a line or a bar starts at zero unless
said otherwise, so a chart never exaggerates a change. Coordinates are whole numbers or one
decimal, in the SVG's own units (its viewBox), so the drawing scales to a phone's width.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one row each: long labels (district names) fit on a narrow screen."""

    width: int
    height: int
    label_width: int
    bars: list[Bar] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.bars


def bar_chart(
    rows: Sequence[tuple[str, int]],
    *,
    width: int = 360,
    label_width: int = 110,
    value_width: int = 70,
    row_height: int = 26,
    bar_height: int = 18,
) -> BarChart:
    """One bar per (label, value), lengths proportional to the values from zero."""
    area = width - label_width - value_width
    top = max((value for _, value in rows), default=0)
    bars = [
        Bar(
            label=label,
            value=value,
            x=label_width,
            y=index * row_height + (row_height - bar_height) / 2,
            width=_scale(value, top, area),
            height=bar_height,
        )
        for index, (label, value) in enumerate(rows)
    ]
    return BarChart(width=width, height=len(rows) * row_height, label_width=label_width, bars=bars)


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ColumnChart:
    """Upright columns side by side, as a histogram draws its bins."""

    width: int
    height: int
    baseline: int
    columns: list[Column] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.columns


def column_chart(
    rows: Sequence[tuple[str, int]],
    *,
    width: int = 360,
    height: int = 160,
    gap: int = 2,
) -> ColumnChart:
    """One column per (label, value), touching like a histogram's bins (but for `gap`)."""
    if not rows:
        return ColumnChart(width=width, height=height, baseline=height)
    step = width / len(rows)
    top = max(value for _, value in rows)
    columns = []
    for index, (label, value) in enumerate(rows):
        column_height = _scale(value, top, height)
        columns.append(
            Column(
                label=label,
                value=value,
                x=round(index * step + gap / 2, 1),
                y=round(height - column_height, 1),
                width=round(step - gap, 1),
                height=column_height,
            )
        )
    return ColumnChart(width=width, height=height, baseline=height, columns=columns)


@dataclass(frozen=True)
class Point:
    label: str
    value: int
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: list[Point] = field(default_factory=list)
    minimum: int = 0  # the values at the bottom and the top of the drawing
    maximum: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.points

    @property
    def polyline(self) -> str:
        """The `points` attribute of an SVG <polyline>."""
        return " ".join(f"{point.x:g},{point.y:g}" for point in self.points)


def line_chart(
    values: Sequence[tuple[str, int | None]],
    *,
    width: int = 360,
    height: int = 140,
    padding: int = 6,
    from_zero: bool = True,
) -> LineChart:
    """A point per (label, value) at even steps across; a None value leaves its step empty.

    The x step keeps its place for a missing value (a month without any asking price), so the
    line's dates stay true. With `from_zero` false the y axis spans the values' own range, for a
    sparkline or a price history whose changes would otherwise be flat lines.
    """
    known = [value for _, value in values if value is not None]
    if not known:
        return LineChart(width=width, height=height)
    low = 0 if from_zero else min(known)
    high = max(known)
    span = high - low
    inner_width = width - 2 * padding
    inner_height = height - 2 * padding
    step = inner_width / (len(values) - 1) if len(values) > 1 else 0
    points = []
    for index, (label, value) in enumerate(values):
        if value is None:
            continue
        x = padding + (index * step if len(values) > 1 else inner_width / 2)
        # A flat series (span 0) sits in the middle rather than on an edge.
        share = (value - low) / span if span else 0.5
        y = padding + inner_height * (1 - share)
        points.append(Point(label=label, value=value, x=round(x, 1), y=round(y, 1)))
    return LineChart(width=width, height=height, points=points, minimum=low, maximum=high)


def sparkline(values: Sequence[int], *, width: int = 120, height: int = 28) -> LineChart:
    """A tiny line of daily counts, zero at the bottom: no labels, the table beside has them."""
    return line_chart(
        [(str(index), value) for index, value in enumerate(values)],
        width=width,
        height=height,
        padding=2,
    )


def _scale(value: int, top: int, length: float) -> float:
    return round(value * length / top, 1) if top > 0 else 0.0
