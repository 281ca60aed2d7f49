"""A confirmed viewing as an iCalendar file, in Beijing time, for the buyer's and agent's phones."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from viewings.models import Viewing


def viewing_ics(viewing: Viewing, *, for_user) -> bytes:
    starts = timezone.localtime(viewing.starts_at)
    other = viewing.other_party(for_user)
    calendar = Calendar()
    calendar.add("prodid", "-//Walkup//Video viewings//ZH")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"viewing-{viewing.pk}@walkup")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts)
    event.add("dtend", timezone.localtime(viewing.ends_at))
    event.add(
        "summary",
        _("Video viewing: %(listing)s") % {"listing": viewing.listing.title},
    )
    event.add(
        "description",
        "\n".join(
            [
                f"{viewing.get_channel_display()}: {viewing.contact}",
                _("With %(name)s") % {"name": other.display_name},
                f"{settings.SITE_URL}{viewing.listing.get_absolute_url()}",
            ]
        ),
    )
    event.add("url", f"{settings.SITE_URL}{viewing.listing.get_absolute_url()}")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ics_response(viewing: Viewing, user) -> HttpResponse:
    """The file, for a confirmed (or held) viewing only: a request is no appointment yet."""
    if viewing.status not in (Viewing.Status.CONFIRMED, Viewing.Status.DONE):
        raise Http404
    response = HttpResponse(viewing_ics(viewing, for_user=user), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="viewing-{viewing.pk}.ics"'
    return response
