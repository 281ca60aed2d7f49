"""Demo viewing hours and viewings (called by `manage.py load_demo` after the listings demo;
idempotent): every demo agent shows flats Mon–Sat 09:00–18:00, agent1 takes a day off, and the
first two buyers have an upcoming confirmed viewing, one waiting for the agent and one done."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from listings.demo import AGENTS, BUYERS
from listings.models import Listing
from viewings import selectors, services
from viewings.models import DayOff, Viewing, WeeklyHours

DEMO_HOURS = {weekday: (time(9), time(18)) for weekday in range(6)}  # Monday to Saturday


@transaction.atomic
def load_viewings_demo(*, now=None) -> None:
    now = now or timezone.now()
    agents = list(User.objects.filter(username__in=[row[0] for row in AGENTS]).order_by("username"))
    for agent in agents:
        if not WeeklyHours.objects.filter(agent=agent).exists():
            services.weekly_hours_set(agent=agent, hours=DEMO_HOURS)
    if not agents:
        return
    agent = agents[0]
    today = timezone.localtime(now).date()
    DayOff.objects.get_or_create(
        agent=agent, date=today + timedelta(days=10), defaults={"note": "家里有事 Family matters"}
    )
    listings = list(Listing.objects.active().filter(agent=agent).order_by("id")[:6])
    buyers = User.objects.filter(username__in=[row[0] for row in BUYERS[:2]]).order_by("username")
    for number, buyer in enumerate(buyers):
        if Viewing.objects.filter(buyer=buyer).exists() or len(listings) < 6:
            continue
        _demo_viewings(buyer, agent, listings[number * 3 : number * 3 + 3], today)


def _demo_viewings(buyer, agent, listings, today) -> None:
    slots = selectors.free_slots(agent.pk, today + timedelta(days=1), today + timedelta(days=7))
    upcoming, waiting = slots[2], slots[len(slots) // 2]
    contact = {"channel": Viewing.Channel.WECHAT, "contact": f"wx_{buyer.username}"}
    confirmed = services.viewing_request(
        buyer=buyer, listing=listings[0], starts_at=upcoming, note="想看看暖气和窗户。", **contact
    )
    services.viewing_confirm(viewing=confirmed, by=agent)
    services.viewing_request(buyer=buyer, listing=listings[1], starts_at=waiting, **contact)
    held_viewing(buyer=buyer, listing=listings[2], day=today - timedelta(days=6))


def held_viewing(*, buyer, listing, day) -> Viewing:
    """A viewing held on a past day at 15:30, which the buyer said took place: written directly,
    as no service books a time in the past (the purchases demo starts from one too)."""
    held_at = datetime.combine(day, time(15, 30), tzinfo=timezone.get_default_timezone())
    return Viewing.objects.create(
        listing=listing,
        buyer=buyer,
        agent_id=listing.agent_id,
        starts_at=held_at,
        status=Viewing.Status.DONE,
        answered_at=held_at - timedelta(days=1),
        done_at=held_at + timedelta(hours=1),
        channel=Viewing.Channel.WECHAT,
        contact=f"wx_{buyer.username}",
    )
