"""Price cuts against PostgreSQL and Redis: savers are emailed by a real worker; concurrent
changes each record the price the other left."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection

from favorites.models import Favorite
from listings import services
from listings.models import Listing, ListingPriceChange
from notifications.models import Notification
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_cut_is_emailed_to_each_saver_by_the_worker(celery_worker):
    listing = ListingFactory(price=46_000, title="Sunny walk-up")
    for email in ("a@example.com", "b@example.com"):
        Favorite.objects.create(user=BuyerFactory(email=email, language="en"), listing=listing)

    services.listing_update(listing=listing, by=listing.agent, data={"price": 41_000})

    assert _wait_for(lambda: len(mail.outbox) == 2)
    assert sorted(message.to[0] for message in mail.outbox) == ["a@example.com", "b@example.com"]
    assert all("now ¥41,000, was ¥46,000" in message.body for message in mail.outbox)
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_two_price_changes_at_once_chain_their_history():
    listing = ListingFactory(price=46_000)
    start = threading.Barrier(2)
    errors = []

    def change(price):
        try:
            start.wait()
            current = Listing.objects.select_related("agent").get(pk=listing.pk)
            services.listing_update(listing=current, by=current.agent, data={"price": price})
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(price,)) for price in (42_000, 44_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    history = list(
        ListingPriceChange.objects.filter(listing=listing)
        .order_by("id")
        .values_list("old_price", "new_price")
    )
    final = Listing.objects.get(pk=listing.pk).price
    assert len(history) == 2
    assert history[0][0] == 46_000
    assert history[1][0] == history[0][1]  # the second saw the first's price, not 46,000
    assert history[1][1] == final
