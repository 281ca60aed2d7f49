import factory
from django.utils import timezone

from alerts.models import SavedSearch
from alerts.services import saved_search_columns
from tests.accounts.factories import BuyerFactory


class SavedSearchFactory(factory.django.DjangoModelFactory):
    """Saved now: only listings changed from now on are news to it."""

    class Meta:
        model = SavedSearch

    user = factory.SubFactory(BuyerFactory)
    name = factory.Sequence(lambda n: f"Cheap flats {n}")
    params = factory.LazyFunction(lambda: {"price_max": "50000"})
    frequency = SavedSearch.Frequency.INSTANT
    matched_until = factory.LazyFunction(lambda: timezone.now())

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The filter columns, as the alerts services keep them beside the params.
        return super()._create(
            model_class, *args, **kwargs, **saved_search_columns(kwargs["params"])
        )
