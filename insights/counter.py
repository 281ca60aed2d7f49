"""Listing views counted in the cache, never in the database per page view.

A view increments one cache counter per listing and day (Asia/Shanghai); the
`flush_listing_views` beat task copies the counters into `ListingDailyViews`. Not counted: bots
(by their user agent), whoever manages the listing (its agent, staff), a listing off the market,
and the same visitor again within INSIGHTS_VIEW_REPEAT_SECONDS (a reload is not a new reader).

With Redis down the cache fails open: `add` and `incr` answer None, nothing is counted and the
page is served as usual.
"""

import hashlib
import re
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from listings.models import Listing
from listings.services import ON_MARKET

# Counters live long enough for the flush after midnight to read yesterday's final figure.
COUNTER_SECONDS = 3 * 24 * 3600

# Crawlers, link previews, monitors and scripts name themselves; an empty user agent is a script.
# Not the mobile apps' HTTP stacks (okhttp, CFNetwork, Dart): those are people.
BOT_USER_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrap|curl|wget|python-|python/|httpclient|go-http|"
    r"libwww|headless|phantomjs|lighthouse|preview|monitor|uptime|pingdom|facebookexternalhit|"
    r"bytespider|yisou|sogou|baidu|mediapartners|feedfetcher|java/",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(BOT_USER_AGENT.search(user_agent))


def views_key(day: date, listing_id: int) -> str:
    return f"insights:views:{day.isoformat()}:{listing_id}"


def _seen_key(day: date, listing_id: int, request) -> str:
    who = request.user.pk if request.user.is_authenticated else ""
    visitor = (
        f"{who}|{request.META.get('REMOTE_ADDR', '')}|{request.META.get('HTTP_USER_AGENT', '')}"
    )
    digest = hashlib.blake2b(visitor.encode(), digest_size=12).hexdigest()
    return f"insights:seen:{day.isoformat()}:{listing_id}:{digest}"


def counts_as_view(*, request, listing: Listing) -> bool:
    return (
        listing.status in ON_MARKET
        and not listing.is_managed_by(request.user)
        and not is_bot(request.META.get("HTTP_USER_AGENT", ""))
    )


def listing_view_record(*, request, listing: Listing) -> bool:
    """Count one reader of the listing today, if they count; True when counted."""
    if not counts_as_view(request=request, listing=listing):
        return False
    today = timezone.localdate()
    # add() is true only for the first read in the repeat window (and false with Redis down).
    if not cache.add(
        _seen_key(today, listing.pk, request), 1, settings.INSIGHTS_VIEW_REPEAT_SECONDS
    ):
        return False
    key = views_key(today, listing.pk)
    cache.add(key, 0, COUNTER_SECONDS)
    try:
        return cache.incr(key) is not None
    except ValueError:  # the counter expired between add and incr: this one read is lost
        return False
