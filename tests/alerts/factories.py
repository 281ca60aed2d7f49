import factory
from django.utils import timezone

from alerts.models import SavedSearch
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
