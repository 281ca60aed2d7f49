"""Demo saved searches, and `run_beat_inline`: the beat schedule without Redis for `make run`."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from alerts.demo import DEMO_SAVED_SEARCHES, load_demo_alert, load_demo_saved_searches
from alerts.models import SavedSearch, SearchMatch
from listings.models import Listing
from notifications.models import Kind, Notification
from tests.accounts.factories import BuyerFactory
from tests.alerts.factories import SavedSearchFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db


def test_demo_buyers_get_their_saved_searches_once():
    CityFactory(slug="hegang")
    for username, *_rest in DEMO_SAVED_SEARCHES:
        BuyerFactory(username=username)

    assert load_demo_saved_searches() == len(DEMO_SAVED_SEARCHES)
    assert load_demo_saved_searches() == 0
    assert SavedSearch.objects.count() == len(DEMO_SAVED_SEARCHES)


def test_the_demo_buyer_has_one_alert_naming_three_of_five_flats():
    district = DistrictFactory(city=CityFactory(slug="hegang"))
    ListingFactory.create_batch(6, district=district, price=35_000)
    for username, *_rest in DEMO_SAVED_SEARCHES:
        BuyerFactory(username=username, language="zh-hans")
    load_demo_saved_searches()

    assert load_demo_alert() == 5
    assert load_demo_alert() == 0
    [alert] = Notification.objects.filter(kind=Kind.SEARCH_MATCH)
    assert alert.text == "“鹤岗 4万以下”有 5 套新房源"
    assert len(alert.items) == 3


def test_once_runs_every_scheduled_task_inline(clock, settings):
    # Given a stale listing and a saved search a fresh listing matches
    stale = ListingFactory(confirmed_at=clock.now - timedelta(days=40))
    search = SavedSearchFactory(params={})
    clock.advance(minutes=1)
    fresh = ListingFactory()
    clock.advance(minutes=1)

    call_command("run_beat_inline", "--once")

    stale.refresh_from_db()
    assert stale.status == Listing.Status.EXPIRED
    assert set(
        SearchMatch.objects.filter(saved_search=search).values_list("listing", flat=True)
    ) == {fresh.pk}
    assert set(settings.CELERY_BEAT_SCHEDULE) >= {
        "match-saved-searches",
        "remind-expiring-listings",
        "expire-stale-listings",
    }
