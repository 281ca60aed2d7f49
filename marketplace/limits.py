"""Limits on how much one person or one client address may do, and how they are refused.

Two kinds, one refusal:
- per-user quotas on things Walkup stores (messages, photos, saved searches) are counted from
  the rows themselves (`check_recent_count`): exact, and they hold when Redis is down;
- per-client rates on things that store nothing yet (sign-up, password reset) are counted in the
  cache by django-ratelimit (`check_rate`), shared by every web process when Redis is set, and
  they fail open when it is not reachable.
Both raise `LimitExceeded`, a ValidationError: a form shows it like any other error, and the API
answers 429 with a Retry-After header (marketplace.api.exception_handler).
"""

import math
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage


def try_again_in(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Try again in %(count)d second.", "Try again in %(count)d seconds.", seconds
        ) % {"count": seconds}
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "Try again in %(count)d minute.", "Try again in %(count)d minutes.", minutes
        ) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("Try again in %(count)d hour.", "Try again in %(count)d hours.", hours) % {
        "count": hours
    }


class LimitExceeded(ValidationError):
    """Too much in too little time. `retry_after` is in whole seconds, at least 1."""

    def __init__(self, message: str, *, retry_after: float, field: str | None = None):
        self.retry_after = max(1, math.ceil(retry_after))
        text = f"{message} {try_again_in(self.retry_after)}"
        super().__init__({field: [text]} if field else text, code="limit")


def check_recent_count(
    recent: QuerySet,
    *,
    time_field: str,
    limit: int,
    window: timedelta,
    message: str,
    adding: int = 1,
    field: str | None = None,
) -> None:
    """Refuse when `adding` more rows would put more than `limit` of `recent` inside the window.

    The retry time is when enough of the oldest rows leave the window. To hold under concurrent
    requests the caller locks something first (the user's row): the count is not a lock.
    """
    now = timezone.now()
    in_window = recent.filter(**{f"{time_field}__gt": now - window})
    count = in_window.count()
    if count + adding <= limit:
        return
    must_leave = min(count, count + adding - limit)
    times = in_window.order_by(time_field).values_list(time_field, flat=True)
    frees_at = times[must_leave - 1] + window if must_leave > 0 else now + window
    raise LimitExceeded(message, retry_after=(frees_at - now).total_seconds(), field=field)


def lock_user(user) -> None:
    """Hold the user's row until the transaction ends: one person's quota-counted writes then run
    one after another, so a burst cannot pass a quota (SQLite serialises every writer anyway)."""
    users = get_user_model().objects.select_for_update()
    list(users.filter(pk=user.pk).values_list("pk", flat=True))


def check_rate(request, *, group: str, rate: str, key="ip", message: str, field=None) -> None:
    """Count one more request of `group` for this key (the client address by default)."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage and usage["should_limit"]:
        raise LimitExceeded(message, retry_after=usage["time_left"], field=field)
