from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from listings.models import City, District, Listing
from tests.accounts.factories import AgentFactory


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"city{n}")
    name = factory.LazyAttribute(lambda city: city.slug.title())
    name_zh = factory.Sequence(lambda n: f"城市{n}")
    province = "Heilongjiang"
    province_zh = "黑龙江"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"District {n}")
    name_zh = factory.Sequence(lambda n: f"区{n}")


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    agent = factory.SubFactory(AgentFactory)
    district = factory.SubFactory(DistrictFactory)
    city = factory.LazyAttribute(lambda listing: listing.district.city)
    title = factory.Sequence(lambda n: f"Walk-up flat {n}")
    description = "Sunny flat on the fifth floor. 南北通透。"
    community_name = "矿工小区"
    street_address = "红旗路 12号"
    price = 46_000
    area_m2 = Decimal("52.00")
    rooms = 2
    floor = 5
    total_floors = 6
    has_elevator = False
    heating = Listing.Heating.CENTRAL
    heating_fee_per_m2 = Decimal("28.00")
    condition = Listing.Condition.NEEDS_RENOVATION
    year_built = 1995
    has_ownership_certificate = True
    status = Listing.Status.ACTIVE
    published_at = factory.Sequence(lambda n: timezone.now() - timedelta(hours=n))
    confirmed_at = factory.LazyAttribute(
        lambda listing: listing.published_at if listing.status == Listing.Status.ACTIVE else None
    )

    class Params:
        draft = factory.Trait(status=Listing.Status.DRAFT, published_at=None)
