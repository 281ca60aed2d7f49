"""Demo saved searches, and `run_beat_inline`: the beat schedule without Redis for `make run`."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from alerts.demo import DEMO_SAVED_SEARCHES, load_demo_saved_searches
from alerts.models import SavedSearch, SearchMatch
from listings.models import Listing
from tests.accounts.factories import BuyerFactory
from tests.alerts.factories import SavedSearchFactory
from tests.listings.factories import CityFactory, ListingFactory

pytestmark = pytest.mark.django_db


def test_demo_buyers_get_their_saved_searches_once():
    CityFactory(slug="hegang")
    for username, *_rest in DEMO_SAVED_SEARCHES:
        BuyerFactory(username=username)

    assert load_demo_saved_searches() == len(DEMO_SAVED_SEARCHES)
    assert load_demo_saved_searches() == 0
    assert SavedSearch.objects.count() == len(DEMO_SAVED_SEARCHES)


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
