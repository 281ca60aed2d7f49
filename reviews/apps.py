from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """Buyers who bought through an agent, or watched a flat with them, rate the agent."""

    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from listings import hooks
        from reviews.serializers import AgentRatingField

        # listings names no app above it: the API's listing detail shows the rating through a
        # hook; the listing page loads `{% load reviews %}` for its agent card.
        hooks.register_detail_field("agent_rating", AgentRatingField)
