"""Anonymous search answers kept in the cache: the API list and the search page.

What a search shows depends on the listings, so each answer is kept with a version of the
listings it may show: the city's version for a search with a city, the global one without. Every
service that changes what search shows calls `searches_changed(city ids)`, which puts new
versions once its transaction commits; answers kept with the old ones are never served again and
expire (SEARCH_CACHE_SECONDS, which also bounds what no listing change announces: a price cut
getting older than "recent", the city medians of the cards, an agent's name). A city renamed
or deleted through its services bumps its old and new slug (`city_slugs_changed`).

Only anonymous requests (signed-in ones carry per-viewer flags), only status 200, only the body,
its content type and the headers the inner middleware add for everyone (Vary, Content-Language,
Allow, X-Frame-Options); never cookies. Parameters are normalised (sorted, empty values and
defaults dropped) and an unknown or repeated parameter is not cached; an invalid search is not
stored, because only a 200 with a valid filter set is.

An answer computed from the read replica may predate the newest version for up to
REPLICA_MAX_LAG_SECONDS: it is stored only if the version is older than that.

A failing cache fails open: the answer is computed as without it, with one log line.
"""

import hashlib
import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import translation

from listings.filters import DEFAULT_ORDERING, ListingFilterSet
from listings.models import City

logger = logging.getLogger(__name__)

FAILURE_LOG_SECONDS = 60.0
_last_failure_logged = float("-inf")


def _log_failure(what: str, error: Exception) -> None:
    """One line per minute at most: a down cache fails every request the same way."""
    global _last_failure_logged
    now = time.monotonic()
    if now - _last_failure_logged >= FAILURE_LOG_SECONDS:
        _last_failure_logged = now
        logger.warning(
            "Search cache %s (%s: %s); answering without it.", what, type(error).__name__, error
        )


GLOBAL = "all"
KEPT_HEADERS = ("Vary", "Content-Language", "Allow", "X-Frame-Options")
# The API answers JSON; a request asking for anything else goes the normal way.
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
# The search page's body carries the visitor's CSRF token in its forms: kept with this in its
# place, and each answer gets its own.
CSRF_PLACEHOLDER = "@@walkup-search-csrf@@"

FILTER_NAMES = frozenset(ListingFilterSet.base_filters)
PAGING_NAMES = {"api": frozenset({"cursor", "page_size"}), "web": frozenset({"page"})}


def _defaults(kind: str) -> dict[str, str]:
    paging = {"api": {"page_size": str(settings.LISTINGS_PAGE_SIZE)}, "web": {"page": "1"}}
    return {"ordering": DEFAULT_ORDERING, **paging[kind]}


def enabled() -> bool:
    return settings.SEARCH_CACHE_SECONDS > 0


# --- versions ------------------------------------------------------------------------------


def version_key(city_slug: str) -> str:
    return f"search:version:{city_slug}"


def searches_changed(*city_ids: int | None) -> None:
    """What search shows in these cities (and so in all cities) changed: once the caller's
    transaction commits, answers kept before are not read again."""
    ids = frozenset(city_id for city_id in city_ids if city_id is not None)
    transaction.on_commit(lambda: _bump_versions(ids))


def city_slugs_changed(*slugs: str) -> None:
    """A city was renamed or deleted: answers kept under these slugs (its old and new one) and
    for all cities are not read again, once the caller's transaction commits."""
    transaction.on_commit(lambda: _bump_slugs(slugs))


def _bump_versions(city_ids: frozenset[int]) -> None:
    _bump_slugs(City.objects.filter(pk__in=city_ids).values_list("slug", flat=True))


def _bump_slugs(slugs) -> None:
    now = time.time_ns()
    try:
        cache.set_many({version_key(slug): now for slug in {GLOBAL, *slugs}}, timeout=None)
    except Exception as error:  # answers kept before expire on time (SEARCH_CACHE_SECONDS)
        _log_failure("versions not bumped", error)


def _put_version(key: str) -> int:
    """A version for a cache that has none (lost or never set): a new one, so that no answer
    kept before it (under whatever version it had) is read."""
    cache.add(key, time.time_ns(), timeout=None)
    version = cache.get(key)
    if version is None:
        raise ConnectionError("the cache keeps no version (down?)")
    return version


# --- keys ----------------------------------------------------------------------------------


def normalised_params(request, kind: str) -> list[tuple[str, str]] | None:
    """The search's parameters sorted, without empty values and defaults; None when one is
    unknown or given twice (not cached)."""
    known, defaults, params = FILTER_NAMES | PAGING_NAMES[kind], _defaults(kind), []
    for name, values in request.GET.lists():
        if name not in known or len(values) != 1:
            return None
        value = values[0]
        if value and defaults.get(name) != value:
            params.append((name, value))
    return sorted(params)


def anonymous(request) -> bool:
    """No session, no token, no pending messages: nothing about this visitor in the answer."""
    return (
        request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cache_key(request, kind: str) -> tuple[str, str] | None:
    """(the answer's key, its version's key) for this request, or None when it is not cached.
    The version is kept in the answer, not in its key: one round trip reads both."""
    params = normalised_params(request, kind)
    if params is None:
        return None
    city = dict(params).get("city", GLOBAL)
    language = translation.get_language_from_request(request)
    place = f"{request.scheme}://{request.get_host()}"
    digest = hashlib.sha256(f"{place}?{urlencode(params)}".encode()).hexdigest()[:40]
    return f"search:{kind}:{language}:{city}:{digest}", version_key(city)


def _storable(request, version: int) -> bool:
    if not getattr(request, "served_by_replica", False):
        return True
    return time.time_ns() - version > settings.REPLICA_MAX_LAG_SECONDS * 1e9


def _lookup(request, kind: str) -> tuple[str | None, int, dict | None]:
    """(the answer's key, the current version, the answer kept under it or None)."""
    try:
        keys = cache_key(request, kind)
        if keys is None:
            return None, 0, None
        key, versions_key = keys
        found = cache.get_many([key, versions_key])
        version = found.get(versions_key) or _put_version(versions_key)
        entry = found.get(key)
        return key, version, entry if entry and entry["version"] == version else None
    except Exception as error:  # a down cache, a disallowed host: the normal way
        _log_failure("not read", error)
        return None, 0, None


def _store(key: str, version: int, response, body: bytes) -> None:
    entry = {
        "version": version,
        "body": body,
        "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        "content_type": response["Content-Type"],
    }
    try:
        cache.set(key, entry, settings.SEARCH_CACHE_SECONDS)
    except Exception as error:
        _log_failure("not written", error)


def _response(entry: dict, body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type=entry["content_type"])
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def _signed_in(request) -> bool:
    """Whoever the view found (DRF sets the request's user): a way in that left no cookie and
    no header is still nobody's answer to keep."""
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def _storable_response(response) -> bool:
    return response.status_code == 200 and not response.cookies and not response.streaming


# --- the two doors -------------------------------------------------------------------------


class AnonymousSearchCacheMiddleware:
    """The API's search list from the cache, early: a hit skips sessions, authentication and
    DRF. Placed after the security headers' middleware, so a hit gets those as every answer."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = None

    def __call__(self, request):
        if self.path is None:
            self.path = reverse("listing-list")
        if not (
            enabled()
            and request.path_info == self.path
            and anonymous(request)
            and request.META.get("HTTP_ACCEPT", "") in JSON_ACCEPTS
        ):
            return self.get_response(request)
        key, version, entry = _lookup(request, "api")
        if entry is not None:
            return _response(entry, entry["body"])
        response = self.get_response(request)
        if (
            key
            and _storable_response(response)
            and response["Content-Type"].startswith("application/json")
            and not _signed_in(request)
            and _storable(request, version)
        ):
            _store(key, version, response, response.content)
        return response


def cache_anonymous_search_page(view):
    """The search page from the cache for anonymous visitors, inside the middleware (so the
    CSRF cookie and token are each visitor's own). The view sets `request.search_is_valid`."""

    def wrapped(request, *args, **kwargs):
        if not (enabled() and anonymous(request)):
            return view(request, *args, **kwargs)
        key, version, entry = _lookup(request, "web")
        if entry is not None:
            return _response(entry, _with_csrf_token(request, entry["body"]))
        request.csrf_token_placeholder = CSRF_PLACEHOLDER
        response = view(request, *args, **kwargs)
        body = response.content
        storable = getattr(request, "search_is_valid", False) and _storable(request, version)
        if key and storable and _storable_response(response) and not _signed_in(request):
            _store(key, version, response, body)
        response.content = _with_csrf_token(request, body)
        return response

    return wrapped


def _with_csrf_token(request, body: bytes) -> bytes:
    if CSRF_PLACEHOLDER.encode() not in body:
        return body
    return body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
