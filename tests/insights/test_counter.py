"""Listing views: counted in the cache once per reader, never for bots or the listing's agent,
copied into the daily table by a flush that can run twice without counting twice."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from insights.counter import is_bot, listing_view_record, views_key
from insights.models import ListingDailyViews
from insights.services import listing_views_flush
from listings.models import Listing
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile"


def read(listing, *, user=None, agent=BROWSER, address="203.0.113.5"):
    request = RequestFactory().get(
        listing.get_absolute_url(), HTTP_USER_AGENT=agent, REMOTE_ADDR=address
    )
    request.user = user or AnonymousUser()
    return listing_view_record(request=request, listing=listing)


def counted_today(listing) -> int:
    return cache.get(views_key(timezone.localdate(), listing.pk), 0)


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "curl/8.4.0",
        "python-requests/2.31.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
        "facebookexternalhit/1.1",
    ],
)
def test_bots_are_recognised(user_agent):
    assert is_bot(user_agent)


@pytest.mark.parametrize(
    "user_agent",
    [
        BROWSER,
        "okhttp/4.12.0",
        "Walkup/1.0 CFNetwork/1410 Darwin/22.6.0",
        "Mozilla/5.0 (Linux; Android 14) Chrome/120.0 Mobile Safari/537.36",
    ],
)
def test_people_and_the_mobile_apps_are_not_bots(user_agent):
    assert not is_bot(user_agent)


def test_a_reader_is_counted_once_in_the_repeat_window():
    listing = ListingFactory()

    assert read(listing) is True
    assert read(listing) is False  # a reload
    assert read(listing, address="198.51.100.7") is True
    assert read(listing, user=BuyerFactory()) is True

    assert counted_today(listing) == 3


def test_a_bot_is_not_counted():
    listing = ListingFactory()

    assert read(listing, agent="Mozilla/5.0 (compatible; Googlebot/2.1)") is False
    assert read(listing, agent="") is False
    assert counted_today(listing) == 0


def test_the_listings_own_agent_and_staff_are_not_counted():
    listing = ListingFactory()

    assert read(listing, user=listing.agent) is False
    assert read(listing, user=SuperuserFactory()) is False
    assert read(listing, user=AgentFactory()) is True  # another agent is a reader like any
    assert counted_today(listing) == 1


@pytest.mark.parametrize("status", [Listing.Status.SOLD, Listing.Status.WITHDRAWN])
def test_a_flat_off_the_market_is_not_counted(status):
    listing = ListingFactory(status=status)

    assert read(listing) is False


class DeadRedisCache:
    """django-redis with IGNORE_EXCEPTIONS while Redis is down: every call answers None."""

    def add(self, *args, **kwargs):
        return None

    def incr(self, *args, **kwargs):
        return None


def test_with_the_cache_down_nothing_is_counted_and_nothing_fails(monkeypatch):
    listing = ListingFactory()
    monkeypatch.setattr("insights.counter.cache", DeadRedisCache())

    assert read(listing) is False


def test_the_listing_page_counts_a_view_and_the_api_detail_too(client, api_client):
    listing = ListingFactory()

    client.get(listing.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    api_client.get(f"/api/v1/listings/{listing.pk}/", HTTP_USER_AGENT="okhttp/4.12.0")

    assert counted_today(listing) == 2


def test_the_agent_reading_their_own_page_is_not_counted(client):
    listing = ListingFactory()
    client.force_login(listing.agent)

    client.get(listing.get_absolute_url(), HTTP_USER_AGENT=BROWSER)

    assert counted_today(listing) == 0


# --- the flush --------------------------------------------------------------------------------


def test_flush_copies_the_counters_and_twice_counts_nothing_twice():
    listing, other = ListingFactory(), ListingFactory()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        read(listing, address=address)
    read(other)

    assert listing_views_flush() == 2
    assert listing_views_flush() == 0  # nothing new: nothing written

    today = timezone.localdate()
    assert dict(ListingDailyViews.objects.filter(day=today).values_list("listing_id", "views")) == {
        listing.pk: 3,
        other.pk: 1,
    }


def test_flush_after_more_views_sets_the_days_total_not_a_sum():
    listing = ListingFactory()
    read(listing, address="203.0.113.1")
    listing_views_flush()
    read(listing, address="203.0.113.2")

    listing_views_flush()
    listing_views_flush()

    assert ListingDailyViews.objects.get(listing=listing).views == 2


def test_flush_after_midnight_keeps_yesterdays_final_figure():
    listing = ListingFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    cache.set(views_key(yesterday, listing.pk), 9)

    listing_views_flush()

    assert ListingDailyViews.objects.get(listing=listing, day=yesterday).views == 9


def test_a_counter_lost_with_redis_never_lowers_a_day_already_copied():
    listing = ListingFactory()
    today = timezone.localdate()
    ListingDailyViews.objects.create(listing=listing, day=today, views=40)
    cache.set(views_key(today, listing.pk), 2)  # Redis restarted since the last flush

    listing_views_flush()

    assert ListingDailyViews.objects.get(listing=listing, day=today).views == 40


def test_flush_reads_a_listing_that_left_the_market_today():
    listing = ListingFactory()
    read(listing)
    Listing.objects.filter(pk=listing.pk).update(
        status=Listing.Status.SOLD, left_market_at=timezone.now()
    )

    listing_views_flush()

    assert ListingDailyViews.objects.get(listing=listing).views == 1


def test_the_beat_task_flushes():
    from insights.tasks import flush_listing_views

    listing = ListingFactory()
    read(listing)

    assert flush_listing_views.delay().get() == 1
    assert ListingDailyViews.objects.get(listing=listing).views == 1
