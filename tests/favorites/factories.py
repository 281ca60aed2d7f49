import factory

from favorites.models import Favorite
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory


class FavoriteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Favorite

    user = factory.SubFactory(BuyerFactory)
    listing = factory.SubFactory(ListingFactory)
