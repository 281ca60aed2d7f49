"""The market page's charts, from a report's figures (geometry in marketplace.charts)."""

from dataclasses import dataclass

from insights.market import CityMarketReport
from marketplace.charts import BarChart, ColumnChart, LineChart, bar_chart, column_chart, line_chart


@dataclass(frozen=True)
class MarketCharts:
    districts: BarChart
    prices: ColumnChart
    months: LineChart


def market_charts(report: CityMarketReport) -> MarketCharts:
    return MarketCharts(
        districts=bar_chart(
            [(district.local_name, district.median_price_per_m2) for district in report.districts]
        ),
        prices=column_chart(
            [(str(price_bin.low), price_bin.flats) for price_bin in report.price_bins]
        ),
        months=line_chart([(month.month, month.median_price_per_m2) for month in report.months]),
    )
