"""Writes: agents' hours and days off, and a viewing's life from request to done.

Every change a person makes takes them as `by=` and checks it here, whoever calls (page, API,
admin). A time is held by one live viewing at most: the rules below check it, and the partial
unique constraint `viewing_slot_booked_once` settles two requests that pass the check together.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from listings.models import Listing
from marketplace.limits import check_recent_count, lock_user
from notifications.models import Kind
from notifications.services import notify
from viewings import hooks, selectors
from viewings.models import DayOff, Viewing, WeeklyHours

MAX_CONTACT = 64
MAX_NOTE = 500
MAX_REASON = 300
REMINDER = gettext_noop("Video viewing of %(listing)s at %(when)s (Beijing time).")


def _require_agent(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.is_agent):
        raise PermissionDenied(_("Only agents set viewing hours."))


def weekly_span_check(starts: time, ends: time) -> None:
    """The rule for one day's hours, wherever they are typed (the hours page, the API): the end
    after the start, with room for one viewing at least."""
    if starts >= ends:
        raise ValidationError({"ends": _("The end of the day comes after its start.")})
    if datetime.combine(date.min, ends) - datetime.combine(date.min, starts) < (
        selectors.slot_length()
    ):
        raise ValidationError(
            {
                "ends": _("Leave room for one viewing at least (%(minutes)d minutes).")
                % {"minutes": settings.VIEWING_SLOT_MINUTES}
            }
        )


@transaction.atomic
def weekly_hours_set(*, agent: User, hours: dict[int, tuple[time, time] | None]) -> None:
    """Replace the agent's hours for the given weekdays (None: no viewings that day)."""
    _require_agent(agent)
    for weekday, span in hours.items():
        if span is None:
            WeeklyHours.objects.filter(agent=agent, weekday=weekday).delete()
            continue
        starts, ends = span
        weekly_span_check(starts, ends)
        row = WeeklyHours(agent=agent, weekday=weekday, starts=starts, ends=ends)
        row.full_clean(exclude=["agent"], validate_unique=False, validate_constraints=False)
        WeeklyHours.objects.update_or_create(
            agent=agent, weekday=weekday, defaults={"starts": starts, "ends": ends}
        )


def day_off_add(*, agent: User, day: date, note: str = "") -> DayOff:
    _require_agent(agent)
    if day < timezone.localdate():
        raise ValidationError({"date": _("Choose today or a later day.")})
    day_off, _created = DayOff.objects.get_or_create(
        agent=agent, date=day, defaults={"note": (note or "").strip()[:200]}
    )
    return day_off


def day_off_remove(*, agent: User, day_off_id: int) -> bool:
    """Whether the agent had this day off to remove (another agent's is theirs alone)."""
    _require_agent(agent)
    deleted, _by_model = DayOff.objects.filter(agent=agent, pk=day_off_id).delete()
    return deleted > 0


def _check_time(agent_id: int, starts_at: datetime, *, field: str = "starts_at") -> None:
    """A time a buyer may have: one of the agent's slots, in the future, not too far ahead."""
    earliest, latest = selectors.bookable_window()
    if starts_at <= earliest:
        raise ValidationError({field: _("Choose a time in the future.")})
    if starts_at > latest:
        raise ValidationError(
            {
                field: _("Viewings are booked at most %(days)d days ahead.")
                % {"days": settings.VIEWINGS_BOOK_AHEAD_DAYS}
            }
        )
    if not selectors.is_offered_slot(agent_id, starts_at):
        raise ValidationError({field: _("The agent does not show flats at that time.")})


def _clean_contact(channel: str, contact: str) -> str:
    contact = (contact or "").strip()
    if channel not in Viewing.Channel.values:
        raise ValidationError({"channel": _("Choose WeChat video or a phone call.")})
    if not contact:
        message = (
            _("Give your WeChat id.")
            if channel == Viewing.Channel.WECHAT
            else _("Give your phone number.")
        )
        raise ValidationError({"contact": message})
    if len(contact) > MAX_CONTACT:
        raise ValidationError({"contact": _("At most %(max)d characters.") % {"max": MAX_CONTACT}})
    return contact


def _check_booking_limits(buyer: User) -> None:
    waiting = settings.VIEWINGS_PENDING_PER_BUYER
    pending = Viewing.objects.filter(
        buyer=buyer, status__in=[Viewing.Status.REQUESTED, Viewing.Status.PROPOSED]
    ).count()
    if pending >= waiting:
        raise ValidationError(
            {
                "starts_at": _(
                    "You already have %(count)d viewings waiting for an answer: cancel one or "
                    "wait for the agents to answer."
                )
                % {"count": pending}
            },
            code="limit",
        )
    per_day = settings.VIEWINGS_REQUESTS_PER_DAY
    check_recent_count(
        Viewing.objects.filter(buyer=buyer),
        time_field="created_at",
        limit=per_day,
        window=timedelta(days=1),
        message=_("You have asked for %(limit)d viewings today.") % {"limit": per_day},
        field="starts_at",
    )


def _taken() -> ValidationError:
    return ValidationError({"starts_at": _("Someone has just booked this time: choose another.")})


def _group(viewing: Viewing) -> str:
    return f"viewing:{viewing.pk}"


def _link(viewing: Viewing) -> str:
    return f"{reverse('viewings:list')}#viewing-{viewing.pk}"


def _when(viewing: Viewing) -> str:
    return timezone.localtime(viewing.starts_at).strftime("%Y-%m-%d %H:%M")


def _tell(viewing: Viewing, recipient: User, kind: str, message: str, params: dict) -> None:
    """Notify in the recipient's language (their emails' language), not the actor's."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        text = _(message) % params
    notify(
        recipient=recipient,
        kind=kind,
        subject=viewing,
        text=text,
        link=_link(viewing),
        group_key=_group(viewing),
    )


@transaction.atomic
def viewing_request(
    *,
    buyer: User,
    listing: Listing,
    starts_at: datetime,
    channel: str,
    contact: str,
    note: str = "",
) -> Viewing:
    """A buyer asks the listing's agent to show the flat by video at one of the agent's slots."""
    if not buyer.is_authenticated or buyer.is_agent or not buyer.is_active:
        raise PermissionDenied(_("Only buyers book viewings."))
    if not listing.is_for_sale:
        raise ValidationError({"listing": _("This flat is no longer on the market.")})
    contact = _clean_contact(channel, contact)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(max)d characters.") % {"max": MAX_NOTE}})
    _check_time(listing.agent_id, starts_at)
    # The buyer's requests one at a time from here: the limits count rows this one may add.
    lock_user(buyer)
    if Viewing.objects.live().filter(buyer=buyer, listing=listing).exists():
        raise ValidationError(
            {"listing": _("You already have a viewing of this flat: see your viewings.")}
        )
    _check_booking_limits(buyer)
    try:
        with transaction.atomic():
            viewing = Viewing.objects.create(
                listing=listing,
                buyer=buyer,
                agent_id=listing.agent_id,
                starts_at=starts_at,
                channel=channel,
                contact=contact,
                note=note,
            )
    except IntegrityError:
        raise _taken() from None
    _tell(
        viewing,
        viewing.agent,
        Kind.VIEWING_REQUEST,
        gettext_noop("%(buyer)s asks for a video viewing of %(listing)s on %(when)s."),
        {"buyer": buyer.display_name, "listing": listing.title, "when": _when(viewing)},
    )
    return viewing


def _locked(viewing: Viewing) -> Viewing:
    return (
        Viewing.objects.select_for_update(of=("self",))
        .select_related("listing", "buyer", "agent")
        .get(pk=viewing.pk)
    )


def _as_agent(viewing: Viewing, by: User) -> None:
    if by.pk != viewing.agent_id:
        raise PermissionDenied(_("Only the listing's agent answers a viewing request."))


def _as_buyer(viewing: Viewing, by: User) -> None:
    if by.pk != viewing.buyer_id:
        raise PermissionDenied(_("Only the buyer who asked can do this."))


def _not_now(viewing: Viewing) -> ValidationError:
    return ValidationError(
        _("Not possible while the viewing is “%(status)s”.")
        % {"status": viewing.get_status_display()}
    )


def viewing_moves(viewing: Viewing, user: User, now: datetime | None = None) -> list[str]:
    """What the person may do with the viewing now: the buttons a page shows, and the rule the
    services below check."""
    now = now or timezone.now()
    status = viewing.status
    started = viewing.starts_at <= now
    moves = []
    if user.pk == viewing.agent_id:
        if status == Viewing.Status.REQUESTED and not started:
            moves += ["confirm", "propose"]
        if status in Viewing.LIVE and not started:
            moves.append("decline")
    elif user.pk == viewing.buyer_id:
        if status == Viewing.Status.PROPOSED and not started:
            moves.append("confirm")
        if status in Viewing.LIVE and not started:
            moves.append("cancel")
        if status == Viewing.Status.CONFIRMED and started:
            moves.append("done")
    return moves


def _check_move(viewing: Viewing, by: User, move: str) -> None:
    if move not in viewing_moves(viewing, by):
        raise _not_now(viewing)


@transaction.atomic
def viewing_confirm(*, viewing: Viewing, by: User) -> Viewing:
    """The agent confirms the time the buyer asked for, or the buyer accepts the agent's."""
    viewing = _locked(viewing)
    if by.pk not in (viewing.agent_id, viewing.buyer_id):
        raise PermissionDenied
    _check_move(viewing, by, "confirm")
    viewing.status = Viewing.Status.CONFIRMED
    viewing.answered_at = timezone.now()
    viewing.save(update_fields=["status", "answered_at"])
    if by.pk == viewing.agent_id:
        _tell(
            viewing,
            viewing.buyer,
            Kind.VIEWING_ANSWER,
            gettext_noop("%(agent)s confirmed your video viewing of %(listing)s on %(when)s."),
            {
                "agent": viewing.agent.display_name,
                "listing": viewing.listing.title,
                "when": _when(viewing),
            },
        )
    else:
        _tell(
            viewing,
            viewing.agent,
            Kind.VIEWING_REQUEST,
            gettext_noop("%(buyer)s accepted %(when)s for the video viewing of %(listing)s."),
            {
                "buyer": viewing.buyer.display_name,
                "listing": viewing.listing.title,
                "when": _when(viewing),
            },
        )
    return viewing


@transaction.atomic
def viewing_decline(*, viewing: Viewing, by: User, reason: str) -> Viewing:
    viewing = _locked(viewing)
    _as_agent(viewing, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the buyer why.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(max)d characters.") % {"max": MAX_REASON}})
    _check_move(viewing, by, "decline")
    viewing.status = Viewing.Status.DECLINED
    viewing.decline_reason = reason
    viewing.answered_at = timezone.now()
    viewing.save(update_fields=["status", "decline_reason", "answered_at"])
    _tell(
        viewing,
        viewing.buyer,
        Kind.VIEWING_ANSWER,
        gettext_noop("%(agent)s cannot show %(listing)s on %(when)s: %(reason)s"),
        {
            "agent": viewing.agent.display_name,
            "listing": viewing.listing.title,
            "when": _when(viewing),
            "reason": reason,
        },
    )
    return viewing


@transaction.atomic
def viewing_propose(*, viewing: Viewing, by: User, starts_at: datetime) -> Viewing:
    """The agent offers another of their free times; the buyer accepts it or cancels."""
    viewing = _locked(viewing)
    _as_agent(viewing, by)
    _check_move(viewing, by, "propose")
    if starts_at == viewing.starts_at:
        raise ValidationError({"starts_at": _("Propose a different time.")})
    _check_time(viewing.agent_id, starts_at)
    viewing.status = Viewing.Status.PROPOSED
    viewing.starts_at = starts_at
    viewing.answered_at = timezone.now()
    try:
        with transaction.atomic():
            viewing.save(update_fields=["status", "starts_at", "answered_at"])
    except IntegrityError:
        raise _taken() from None
    _tell(
        viewing,
        viewing.buyer,
        Kind.VIEWING_ANSWER,
        gettext_noop("%(agent)s proposes %(when)s for the video viewing of %(listing)s."),
        {
            "agent": viewing.agent.display_name,
            "listing": viewing.listing.title,
            "when": _when(viewing),
        },
    )
    return viewing


@transaction.atomic
def viewing_cancel(*, viewing: Viewing, by: User) -> Viewing:
    viewing = _locked(viewing)
    _as_buyer(viewing, by)
    _check_move(viewing, by, "cancel")
    viewing.status = Viewing.Status.CANCELLED
    viewing.save(update_fields=["status"])
    _tell(
        viewing,
        viewing.agent,
        Kind.VIEWING_REQUEST,
        gettext_noop("%(buyer)s cancelled the video viewing of %(listing)s on %(when)s."),
        {
            "buyer": viewing.buyer.display_name,
            "listing": viewing.listing.title,
            "when": _when(viewing),
        },
    )
    return viewing


@transaction.atomic
def viewing_mark_done(*, viewing: Viewing, by: User) -> Viewing:
    """The buyer says they saw the flat: the purchase checklist's first step reads this."""
    viewing = _locked(viewing)
    _as_buyer(viewing, by)
    _check_move(viewing, by, "done")
    viewing.status = Viewing.Status.DONE
    viewing.done_at = timezone.now()
    viewing.save(update_fields=["status", "done_at"])
    hooks.announce_viewing_done(viewing=viewing)
    return viewing


def viewings_send_reminders(*, now: datetime | None = None) -> int:
    """Remind both people of each confirmed viewing starting within the reminder lead time;
    returns how many viewings were reminded. Each is marked in the transaction that tells them,
    under a lock that a second run skips, so nobody is reminded twice."""
    now = now or timezone.now()
    lead = timedelta(minutes=settings.VIEWING_REMINDER_MINUTES)
    with transaction.atomic():
        due = list(
            Viewing.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=Viewing.Status.CONFIRMED,
                reminded_at__isnull=True,
                starts_at__gt=now,
                starts_at__lte=now + lead,
            )
            .select_related("listing", "buyer", "agent")
            .order_by("starts_at", "id")[:500]
        )
        for viewing in due:
            params = {"listing": viewing.listing.title, "when": _when(viewing)}
            for person in (viewing.buyer, viewing.agent):
                _tell(viewing, person, Kind.VIEWING_REMINDER, REMINDER, params)
        Viewing.objects.filter(pk__in=[v.pk for v in due]).update(reminded_at=now)
    return len(due)
