"""Log-in lock-out: failed log-ins counted per username and per client address.

django-axes does the plumbing: `AxesBackend` (first in AUTHENTICATION_BACKENDS) refuses a
locked-out log-in inside `authenticate()`, before any password is checked, so the log-in page,
the admin's log-in and the API's token all obey one rule; its signal receivers report every
failure and success here, and `AxesMiddleware` turns a refusal nobody rendered into a 429.

The counting is this handler's own, because axes's `AxesCacheHandler` compares the largest of
its counters with one limit (a dormitory's address would be held to a single person's limit)
and lets the counter expire with the lock-out (the lock-out could never grow). Here each kind
has its own limit, and the counter outlives the lock-out: every failure past the limit doubles
the next lock-out, up to LOGIN_LOCKOUT_MAX_SECONDS.

The counters are in the `login_attempts` cache (Redis when REDIS_URL is set, so every web
process shares them). When it cannot be reached the handler logs it and lets the log-in through:
passwords are still checked, and Redis being down must not lock everyone out.
"""

import contextlib
import hashlib
import ipaddress
import logging
import math
import re
from dataclasses import dataclass

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cache, get_client_username
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from marketplace.limits import LimitExceeded

logger = logging.getLogger(__name__)

# What a cache that cannot be reached raises (OSError covers ConnectionError and TimeoutError).
CACHE_UNREACHABLE = (RedisError, ConnectionInterrupted, OSError)

_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])")


def parse_rate(rate: str) -> tuple[int, int]:
    """Count and seconds of a rate as django-ratelimit reads it: 5/d → (5, 86400), 20/15m → (20, 900)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"Not a rate: {rate!r} (say e.g. 5/d, 100/h or 20/15m)")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _PERIOD_SECONDS[unit]


def client_ip(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: marketplace.client_address made REMOTE_ADDR the client's own."""
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class Counter:
    """Failed log-ins of one username, or from one address."""

    kind: str
    limit: int
    window: int
    digest: str

    @property
    def failures_key(self) -> str:
        return f"login-failures:{self.kind}:{self.digest}"

    @property
    def locked_until_key(self) -> str:
        return f"login-locked:{self.kind}:{self.digest}"

    def lockout_seconds(self, failures: int) -> int:
        """No lock-out below the limit; then the base, doubled by each failure past it."""
        if failures < self.limit:
            return 0
        doublings = min(failures - self.limit, 32)
        return min(
            settings.LOGIN_LOCKOUT_SECONDS * 2**doublings, settings.LOGIN_LOCKOUT_MAX_SECONDS
        )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def username_counter(username: str) -> Counter:
    # Case-folded: "Wang" and "wang" are one account (sign-up refuses the other case).
    limit, window = parse_rate(settings.LOGIN_FAILURES_PER_USERNAME)
    return Counter("username", limit, window, _digest(username.casefold()))


def _network_of(address: str) -> str:
    """An IPv6 client owns its whole /64 and can pick any address in it: count the /64
    (as django-ratelimit does for the other limits)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def address_counter(address: str) -> Counter:
    limit, window = parse_rate(settings.LOGIN_FAILURES_PER_ADDRESS)
    return Counter("address", limit, window, _digest(_network_of(address)))


def _counters(request, credentials) -> list[Counter]:
    counters = [address_counter(request.axes_ip_address or "")]
    username = get_client_username(request, credentials)
    if username:
        counters.append(username_counter(str(username)))
    return counters


class CountersUnreachable(Exception):
    """The `login_attempts` cache did not answer (Redis down): log in without the lock-out."""


class LoginAttemptHandler(AbstractAxesHandler, AxesBaseHandler):
    """AXES_HANDLER: counts failures in the cache and answers whether a log-in is locked out.

    It leaves on the request what the doors need to answer: `axes_locked_out` (set by axes or
    here) and `login_retry_after`, the seconds until the longest lock-out ends. Once the cache
    has failed to answer during a request, the rest of that request leaves it alone, so a
    Redis that does not answer costs a log-in one socket timeout, not one per counter.
    """

    @property
    def cache(self):
        # Looked up each time, not kept: axes keeps one handler for the life of the process.
        return get_cache()

    def is_locked(self, request, credentials=None) -> bool:
        counters = _counters(request, credentials)
        try:
            until = self._call(request, "get_many", [c.locked_until_key for c in counters])
        except CountersUnreachable:
            return False
        now = timezone.now().timestamp()
        seconds = max((math.ceil(when - now) for when in until.values() if when > now), default=0)
        request.login_retry_after = seconds
        return seconds > 0

    def get_failures(self, request, credentials=None) -> int:
        keys = [counter.failures_key for counter in _counters(request, credentials)]
        try:
            return max(self._call(request, "get_many", keys).values(), default=0)
        except CountersUnreachable:
            return 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return  # authenticate() called outside a request (a shell): nothing to key on
        request.axes_credentials = credentials
        if request.axes_locked_out:
            return  # refused by the lock-out before any password was checked: not a guess
        seconds = 0
        now = timezone.now().timestamp()
        try:
            for counter in _counters(request, credentials):
                failures = self._count_failure(request, counter)
                lockout = counter.lockout_seconds(failures)
                if lockout:
                    self._call(request, "set", counter.locked_until_key, now + lockout, lockout + 1)
                    seconds = max(seconds, lockout)
                    logger.warning(
                        "Log-ins locked for %d s: %d failures by %s.",
                        lockout,
                        failures,
                        counter.kind,
                    )
        except CountersUnreachable:
            pass
        if seconds:
            request.axes_locked_out = True
            request.login_retry_after = seconds

    def user_logged_in(self, sender, request, user, **kwargs):
        # Only the username is forgiven: forgiving the address too would let anyone with an
        # account of their own wipe its count between guesses at other people's passwords.
        self.forget_username(user.get_username(), request=request)

    def user_logged_out(self, sender, request, user, **kwargs):
        pass

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        """`manage.py axes_reset_ip` / `axes_reset_username` end a lock-out by hand."""
        counters = []
        if ip_address:
            counters.append(address_counter(ip_address))
        if username:
            counters.append(username_counter(username))
        keys = [key for c in counters for key in (c.failures_key, c.locked_until_key)]
        try:
            self._call(None, "delete_many", keys)
        except CountersUnreachable:
            return 0
        return len(counters)

    def forget_username(self, username: str, *, request=None) -> None:
        """The username's failures and lock-out are forgotten (after a log-in or a reset)."""
        counter = username_counter(username)
        with contextlib.suppress(CountersUnreachable):
            self._call(request, "delete_many", [counter.failures_key, counter.locked_until_key])

    def _count_failure(self, request, counter: Counter) -> int:
        # The window runs from the first failure: incr keeps the key's expiry.
        if self._call(request, "add", counter.failures_key, 1, counter.window):
            return 1
        try:
            return self._call(request, "incr", counter.failures_key)
        except ValueError:  # expired between add and incr
            self._call(request, "set", counter.failures_key, 1, counter.window)
            return 1

    def _call(self, request, method: str, *args):
        if getattr(request, "login_counters_unreachable", False):
            raise CountersUnreachable
        try:
            return getattr(self.cache, method)(*args)
        except CACHE_UNREACHABLE as error:
            logger.warning(
                "Login attempt counters unreachable (%s): log-ins go on without the lock-out.",
                error,
            )
            if request is not None:
                request.login_counters_unreachable = True
            raise CountersUnreachable from error


def login_attempts() -> LoginAttemptHandler:
    """The handler axes was configured with (AXES_HANDLER)."""
    return AxesProxyHandler.get_implementation()


def login_refusal(request) -> LimitExceeded | None:
    """What to tell a client whose log-in the lock-out refused (None if it did not)."""
    if not getattr(request, "axes_locked_out", False):
        return None
    return LimitExceeded(
        _("Too many failed log-ins."),
        retry_after=getattr(request, "login_retry_after", 0) or settings.LOGIN_LOCKOUT_SECONDS,
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE, reached when a request was refused by the lock-out.

    The log-in page and the API answer the refusal themselves (429 with Retry-After); any other
    door that calls authenticate() (the admin's log-in) gets this page instead.
    """
    if original_response is not None and original_response.status_code == 429:
        return original_response
    refusal = login_refusal(request)
    response = render(
        request, "registration/locked_out.html", {"message": refusal.messages[0]}, status=429
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response
