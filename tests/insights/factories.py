import factory
from django.utils import timezone

from insights.models import ListingDailyViews
from tests.listings.factories import ListingFactory


class ListingDailyViewsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListingDailyViews

    listing = factory.SubFactory(ListingFactory)
    day = factory.LazyFunction(timezone.localdate)
    views = 3
