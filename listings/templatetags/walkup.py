from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.charts import LineChart, line_chart

register = template.Library()


@register.filter
def yuan(amount) -> str:
    """Whole yuan as ¥46,000, the same in Chinese and English."""
    if amount is None or amount == "":
        return "—"
    return f"¥{int(amount):,}"


@register.filter
def square_metres(area) -> str:
    if area is None:
        return "—"
    value = Decimal(area).normalize()
    return f"{value:f} m²"


@register.simple_tag
def floor_summary(listing) -> str:
    """'floor 5 of 6 · no elevator': the first thing a buyer of a walk-up checks."""
    floors = _("floor %(floor)d of %(total)d") % {
        "floor": listing.floor,
        "total": listing.total_floors,
    }
    lift = _("elevator") if listing.has_elevator else _("no elevator")
    return f"{floors} · {lift}"


@register.filter
def percent_of(value, reference) -> int | None:
    """How far value is above (+) or below (−) reference, in whole percent."""
    if not value or not reference:
        return None
    return round((value - reference) * 100 / reference)


@register.filter
def absolute(value):
    return abs(value)


@register.filter
def response_time(seconds: int) -> str:
    """An agent's typical answer time in words: '15 minutes', '3 hours', '2 days'."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@register.simple_tag
def price_history_chart(listing) -> LineChart | None:
    """The asking price from the first one to now, one step per change (`with_price_history`
    prefetched it newest first); None while it never changed."""
    history = list(reversed(getattr(listing, "price_history", None) or []))
    if not history:
        return None
    first_day = listing.published_at or history[0].changed_at
    points = [(_day(first_day), history[0].old_price)]
    points += [(_day(change.changed_at), change.new_price) for change in history]
    return line_chart(points, width=320, height=110, from_zero=False)


def _day(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")
