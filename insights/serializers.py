from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StatsPageSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)


class DailyViewsSerializer(serializers.Serializer):
    day = serializers.DateField()
    views = serializers.IntegerField()


class ListingFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="listing.pk")
    title = serializers.CharField(source="listing.title")
    status = serializers.CharField(source="listing.status")
    price = serializers.IntegerField(source="listing.price")
    days_on_market = serializers.IntegerField(source="listing.days_on_market", allow_null=True)
    expires_at = serializers.DateTimeField(source="listing.expires_at", allow_null=True)
    counts = serializers.SerializerMethodField(
        help_text="Each figure per listing by name: views_7_days, views_30_days, saves, "
        "conversation_count, and any other app registers (listings.hooks.register_listing_count)."
    )
    daily_views = serializers.SerializerMethodField(
        help_text="Views per day over the last 30 days, oldest first (Asia/Shanghai days)."
    )

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_counts(self, figures) -> dict:
        return {name: value for name, _label, value in figures.counts}

    @extend_schema_field(DailyViewsSerializer(many=True))
    def get_daily_views(self, figures):
        return DailyViewsSerializer(
            [{"day": day, "views": views} for day, views in figures.daily_views], many=True
        ).data


class AgentStatsSerializer(serializers.Serializer):
    median_response_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="Median time to answer a buyer's first message, last 90 days; null if none.",
    )
    count = serializers.IntegerField(source="page.paginator.count")
    page = serializers.IntegerField(source="page.number")
    pages = serializers.IntegerField(source="page.paginator.num_pages")
    results = ListingFiguresSerializer(source="rows", many=True)


class DistrictPriceSerializer(serializers.Serializer):
    name = serializers.CharField(source="local_name")
    median_price_per_m2 = serializers.IntegerField()
    for_sale = serializers.IntegerField()


class PriceBinSerializer(serializers.Serializer):
    low = serializers.IntegerField(help_text="Yuan, included.")
    high = serializers.IntegerField(help_text="Yuan, excluded.")
    flats = serializers.IntegerField()


class MonthPriceSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    median_price_per_m2 = serializers.IntegerField(
        allow_null=True,
        help_text="Median asking price per m² of the flats on the market at "
        "the month's end (now for this month); null when there were none.",
    )
    flats = serializers.IntegerField()


class CityMarketSerializer(serializers.Serializer):
    city = serializers.CharField(source="city.slug")
    computed_at = serializers.DateTimeField()
    for_sale = serializers.IntegerField()
    walkup_share_percent = serializers.IntegerField(allow_null=True)
    median_price = serializers.IntegerField(allow_null=True)
    median_price_per_m2 = serializers.IntegerField(allow_null=True)
    median_days_on_market = serializers.IntegerField(allow_null=True)
    districts = DistrictPriceSerializer(many=True)
    price_bins = PriceBinSerializer(many=True)
    months = MonthPriceSerializer(many=True)


class CityMedianComparisonSerializer(serializers.Serializer):
    """On each listing of the search and its detail: null while the city's market report is not
    computed (GET /api/v1/cities/{slug}/market/ has the figures)."""

    percent = serializers.IntegerField(
        help_text="How far the price per m² is from the city's median price per m², in whole "
        "percent: negative below the median, positive above."
    )
    city_median_price_per_m2 = serializers.IntegerField(
        help_text="The median price per m² of the city's flats for sale (its market report)."
    )


def city_median_comparison_field() -> CityMedianComparisonSerializer:
    return CityMedianComparisonSerializer(read_only=True, allow_null=True, default=None)
