from rest_framework import serializers

from alerts.models import SavedSearch, search_url
from alerts.services import SearchParamsError, search_params_clean


class SavedSearchSerializer(serializers.ModelSerializer):
    params = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="The search's filters, named as the listings search parameters "
        '(e.g. {"city": "hegang", "price_max": "50000"}); unknown names, page and cursor are '
        "dropped.",
    )
    search_url = serializers.SerializerMethodField()

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "params", "frequency", "created_at", "search_url"]
        read_only_fields = ["id", "created_at", "search_url"]

    def validate_params(self, value):
        try:
            return search_params_clean(value)
        except SearchParamsError as error:
            raise serializers.ValidationError(error.errors) from None

    def get_search_url(self, saved_search) -> str:
        """The web search page with these filters."""
        return search_url(saved_search.params)
