from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from insights import card_notes, selectors
        from insights.counter import listing_view_record
        from insights.serializers import city_median_comparison_field
        from listings import hooks

        # listings names no app above it: the figures per listing and the view counter join
        # its hooks. A viewings app registers its own count the same way, in its own ready().
        for count in selectors.LISTING_COUNTS:
            hooks.register_listing_count(count.name, count.annotate, label=count.label)
        hooks.register_listing_viewed_receiver(listing_view_record)
        hooks.register_card_note(
            card_notes.NOTE_NAME, card_notes.city_median_comparisons, city_median_comparison_field
        )
