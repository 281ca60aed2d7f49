import pytest
from django.urls import reverse

from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.listings.factories import ListingFactory
from tests.viewings.conftest import TOMORROW_10
from tests.viewings.factories import ViewingFactory, WeeklyHoursFactory
from viewings.models import Viewing

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:viewings_viewing_changelist")


def test_an_agent_sees_only_their_own_viewings_and_hours(client, clock):
    mine = ViewingFactory(listing=ListingFactory(title="Mine on Hongqi Road"))
    theirs = ViewingFactory(listing=ListingFactory(title="Someone else's flat"))
    WeeklyHoursFactory(agent=mine.agent)
    WeeklyHoursFactory(agent=theirs.agent)
    client.force_login(mine.agent)

    page = client.get(CHANGELIST).content.decode()
    assert "Mine on Hongqi Road" in page
    assert "Someone else" not in page
    hours = client.get(reverse("admin:viewings_weeklyhours_changelist"))
    assert list(hours.context["cl"].queryset) == list(mine.agent.viewing_hours.all())
    change = reverse("admin:viewings_viewing_change", args=[theirs.pk])
    assert client.get(change).status_code == 302  # Django's admin: "doesn't exist" redirect


def test_the_confirm_action_goes_through_the_service(client, clock):
    viewing = ViewingFactory(starts_at=TOMORROW_10)
    past = ViewingFactory(
        listing=viewing.listing, status="confirmed", starts_at=clock.now.replace(hour=8)
    )
    client.force_login(viewing.agent)

    client.post(
        CHANGELIST, {"action": "confirm", "_selected_action": [viewing.pk, past.pk]}, follow=True
    )

    assert Viewing.objects.get(pk=viewing.pk).status == "confirmed"
    assert Viewing.objects.get(pk=past.pk).status == "confirmed"


def test_a_superuser_sees_every_viewing_and_a_buyer_none(client, clock):
    ViewingFactory.create_batch(2)
    client.force_login(SuperuserFactory())
    assert client.get(CHANGELIST).context["cl"].result_count == 2
    client.force_login(BuyerFactory())
    assert client.get(CHANGELIST).status_code == 302  # not staff: to the admin's login
    client.force_login(AgentFactory())
    assert client.get(CHANGELIST).context["cl"].result_count == 0
