"""Two matching runs at the same time on PostgreSQL: the second waits for the first's insert
and alerts nobody again."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from alerts import services
from alerts.models import SearchMatch
from notifications.models import Notification
from tests.alerts.factories import SavedSearchFactory
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_overlapping_run_waits_and_alerts_nobody_twice():
    # Given a new listing matching a saved search
    search = SavedSearchFactory(params={})
    SearchMatch.objects.all().delete()
    time.sleep(0.01)
    listing = ListingFactory()
    first_inserted, release = threading.Event(), threading.Event()

    def first_run():
        # The first run has inserted its match and not committed yet.
        try:
            with transaction.atomic():
                services._insert_new_matches([(search.pk, listing.pk)], timezone.now())
                first_inserted.set()
                release.wait(10)
        finally:
            connection.close()

    second_result = {}

    def second_run():
        try:
            second_result["run"] = services.saved_searches_match()
        finally:
            connection.close()

    first = threading.Thread(target=first_run)
    first.start()
    assert first_inserted.wait(10)
    second = threading.Thread(target=second_run)
    second.start()
    second.join(1.0)
    assert second.is_alive()  # blocked on the first run's uncommitted row

    # When the first run commits
    release.set()
    first.join(10)
    second.join(10)

    # Then the second inserted nothing and notified nobody
    assert second_result["run"].matches == 0
    assert SearchMatch.objects.filter(saved_search=search, listing=listing).count() == 1
    assert not Notification.objects.filter(kind="search_match").exists()
