from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyHours(models.Model):
    """When an agent shows flats by video on one day of the week, in Beijing time."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="viewing_hours",
        verbose_name=_("agent"),
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        ordering = ["agent", "weekday"]
        verbose_name = _("viewing hours")
        verbose_name_plural = _("viewing hours")
        constraints = [
            models.UniqueConstraint(fields=["agent", "weekday"], name="viewing_hours_one_per_day"),
            models.CheckConstraint(
                condition=Q(starts__lt=F("ends")), name="viewing_hours_start_before_end"
            ),
        ]

    def __str__(self):
        return f"{self.agent} · {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class DayOff(models.Model):
    """A date on which the agent shows nothing, whatever the weekly hours say."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="viewing_days_off",
        verbose_name=_("agent"),
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["agent", "date"]
        verbose_name = _("day off")
        verbose_name_plural = _("days off")
        constraints = [
            models.UniqueConstraint(fields=["agent", "date"], name="viewing_day_off_once"),
        ]

    def __str__(self):
        return f"{self.agent} · {self.date:%Y-%m-%d}"


class ViewingQuerySet(models.QuerySet):
    def live(self):
        """Viewings that hold their time: asked, answered with another time, or confirmed."""
        return self.filter(status__in=Viewing.LIVE)

    def involving(self, user):
        """The viewings a person is a party to: their own as a buyer, their listings' as an agent."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(agent=user) if user.is_agent else self.filter(buyer=user)


class Viewing(models.Model):
    """A buyer looks at a flat through the agent's phone camera, at a time both agreed."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the agent")
        PROPOSED = "proposed", _("New time proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")

    class Channel(models.TextChoices):
        WECHAT = "wechat", _("WeChat video")
        PHONE = "phone", _("Phone call")

    LIVE = (Status.REQUESTED, Status.PROPOSED, Status.CONFIRMED)

    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.PROTECT,
        related_name="viewings",
        verbose_name=_("listing"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="viewings_booked",
        verbose_name=_("buyer"),
    )
    # The listing's agent when it was booked: the one whose time it takes.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="viewings_hosted",
        verbose_name=_("agent"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    channel = models.CharField(_("how to meet"), max_length=10, choices=Channel.choices)
    contact = models.CharField(_("WeChat id or phone number"), max_length=64)
    note = models.CharField(_("note"), max_length=500, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # Set in the transaction that sends the reminders, so none is sent twice.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ViewingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("video viewing")
        verbose_name_plural = _("video viewings")
        constraints = [
            # The last line against double booking: one live viewing per agent and time.
            models.UniqueConstraint(
                fields=["agent", "starts_at"],
                condition=Q(status__in=["requested", "proposed", "confirmed"]),
                name="viewing_slot_booked_once",
            ),
            # A buyer asks about one time per flat at once; declined or done, they may ask again.
            models.UniqueConstraint(
                fields=["buyer", "listing"],
                condition=Q(status__in=["requested", "proposed", "confirmed"]),
                name="viewing_one_live_per_buyer_and_listing",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "starts_at"], name="viewing_buyer_time"),
            models.Index(fields=["agent", "starts_at"], name="viewing_agent_time"),
            # The booking rate counts a buyer's latest requests.
            models.Index(fields=["buyer", "created_at"], name="viewing_buyer_created"),
            models.Index(
                fields=["starts_at"],
                name="viewing_to_remind",
                condition=Q(status="confirmed", reminded_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.listing} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=settings.VIEWING_SLOT_MINUTES)

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    def other_party(self, user):
        return self.agent if user.pk == self.buyer_id else self.buyer
