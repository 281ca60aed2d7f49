"""Reads: free slots, who sees which viewing, and the lists of the buyer's and agent's pages."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from listings.models import Listing
from viewings.models import DayOff, Viewing, WeeklyHours


def slot_length() -> timedelta:
    return timedelta(minutes=settings.VIEWING_SLOT_MINUTES)


def bookable_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The times a buyer may book: after now, and at most VIEWINGS_BOOK_AHEAD_DAYS ahead."""
    now = now or timezone.now()
    return now, now + timedelta(days=settings.VIEWINGS_BOOK_AHEAD_DAYS)


def _slots_of_day(hours: WeeklyHours, day: date) -> list[datetime]:
    beijing = timezone.get_default_timezone()
    start = datetime.combine(day, hours.starts, tzinfo=beijing)
    end = datetime.combine(day, hours.ends, tzinfo=beijing)
    slots = []
    while start + slot_length() <= end:
        slots.append(start)
        start += slot_length()
    return slots


def offered_slots(agent_id: int, first_day: date, last_day: date) -> list[datetime]:
    """The agent's slots from their weekly hours, days off left out, booked or not (2 queries)."""
    hours = {h.weekday: h for h in WeeklyHours.objects.filter(agent_id=agent_id)}
    if not hours:
        return []
    days_off = set(
        DayOff.objects.filter(
            agent_id=agent_id, date__gte=first_day, date__lte=last_day
        ).values_list("date", flat=True)
    )
    slots = []
    day = first_day
    while day <= last_day:
        if day.weekday() in hours and day not in days_off:
            slots += _slots_of_day(hours[day.weekday()], day)
        day += timedelta(days=1)
    return slots


def free_slots(agent_id: int, first_day: date, last_day: date) -> list[datetime]:
    """The agent's slots between two Beijing dates (both included) that a buyer may book now:
    offered, in the bookable window, and held by no live viewing (3 queries)."""
    earliest, latest = bookable_window()
    slots = [
        slot for slot in offered_slots(agent_id, first_day, last_day) if earliest < slot <= latest
    ]
    if not slots:
        return []
    taken = set(
        Viewing.objects.live()
        .filter(agent_id=agent_id, starts_at__gte=slots[0], starts_at__lte=slots[-1])
        .values_list("starts_at", flat=True)
    )
    return [slot for slot in slots if slot not in taken]


def next_free_slots(agent_id: int, *, count: int, days: int = 14) -> list[datetime]:
    today = timezone.localdate()
    return free_slots(agent_id, today, today + timedelta(days=days))[:count]


def is_offered_slot(agent_id: int, starts_at: datetime) -> bool:
    """Whether the time is one of the agent's slots (free or not)."""
    day = timezone.localtime(starts_at).date()
    return starts_at in offered_slots(agent_id, day, day)


def viewing_for(*, user: User, viewing_id: int) -> Viewing:
    """Only the buyer and the listing's agent ever see a viewing; anyone else gets a 404."""
    viewing = (
        Viewing.objects.involving(user)
        .select_related("listing", "buyer", "agent")
        .filter(pk=viewing_id)
        .first()
    )
    if viewing is None:
        raise Http404
    return viewing


def viewings_for(user: User) -> QuerySet[Viewing]:
    """A person's viewings, soonest first, with what a list shows (one query)."""
    return (
        Viewing.objects.involving(user)
        .select_related("listing", "buyer", "agent")
        .order_by("starts_at", "id")
    )


def upcoming_viewings(user: User) -> QuerySet[Viewing]:
    """Live viewings whose time has not passed yet (one is still "upcoming" while it runs)."""
    return viewings_for(user).live().filter(starts_at__gt=timezone.now() - slot_length())


def past_viewings(user: User) -> QuerySet[Viewing]:
    """Everything else, latest first: held, declined, cancelled, or whose time has passed."""
    upcoming = upcoming_viewings(user).values("pk")
    return viewings_for(user).exclude(pk__in=upcoming).order_by("-starts_at", "-id")


def live_viewing_of(*, buyer: User, listing: Listing) -> Viewing | None:
    if not buyer.is_authenticated or buyer.is_agent:
        return None
    return Viewing.objects.live().filter(buyer=buyer, listing=listing).first()


def has_done_viewing(buyer: User, listing: Listing) -> bool:
    """Whether the buyer has seen this flat by video (and said so): for the purchase checklist's
    first step and for reviews."""
    return Viewing.objects.filter(
        buyer_id=buyer.pk, listing_id=listing.pk, status=Viewing.Status.DONE
    ).exists()


def last_done_viewing(*, buyer: User, listing: Listing) -> Viewing | None:
    """The latest viewing of the flat the buyer said took place, if any."""
    return (
        Viewing.objects.filter(buyer_id=buyer.pk, listing_id=listing.pk, status=Viewing.Status.DONE)
        .order_by("-starts_at", "-id")
        .first()
    )


def weekly_hours_of(agent: User) -> dict[int, WeeklyHours]:
    return {hours.weekday: hours for hours in WeeklyHours.objects.filter(agent=agent)}


def days_off_ahead(agent: User) -> QuerySet[DayOff]:
    return DayOff.objects.filter(agent=agent, date__gte=timezone.localdate()).order_by("date")


def agent_showing_flats(agent_id: int) -> User:
    """An active agent, whose slots anyone may see; a 404 for anyone else's id."""
    agent = User.objects.filter(pk=agent_id, role=User.Role.AGENT, is_active=True).first()
    if agent is None:
        raise Http404
    return agent
