from datetime import datetime, time, timedelta

import factory
from django.utils import timezone

from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from viewings.models import DayOff, Viewing, WeeklyHours


class WeeklyHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyHours
        django_get_or_create = ["agent", "weekday"]

    agent = factory.SubFactory(AgentFactory)
    weekday = 0
    starts = time(9)
    ends = time(18)


class DayOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DayOff

    agent = factory.SubFactory(AgentFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=2))


def open_monday_to_saturday(agent, starts=time(9), ends=time(18)) -> None:
    for weekday in range(6):
        WeeklyHoursFactory(agent=agent, weekday=weekday, starts=starts, ends=ends)


def beijing(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())


class ViewingFactory(factory.django.DjangoModelFactory):
    """A viewing row as the database holds it (no rules checked); use the services for those."""

    class Meta:
        model = Viewing

    listing = factory.SubFactory(ListingFactory)
    buyer = factory.SubFactory(BuyerFactory)
    agent = factory.LazyAttribute(lambda viewing: viewing.listing.agent)
    starts_at = factory.Sequence(
        lambda n: (
            timezone.now().replace(second=0, microsecond=0) + timedelta(days=1, minutes=30 * n)
        )
    )
    channel = Viewing.Channel.WECHAT
    contact = factory.Sequence(lambda n: f"wx_buyer_{n}")
    status = Viewing.Status.REQUESTED
