from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from listings.models import Listing
from listings.pages import render_listing_detail
from viewings import selectors, services
from viewings.calendar import ics_response
from viewings.forms import (
    BookingForm,
    DayOffForm,
    DeclineForm,
    ProposeForm,
    WeeklyHoursForm,
    slot_choices,
)

PAST_PAGE_SIZE = 20
UPCOMING_LIMIT = 50
PROPOSE_SLOTS = 24


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_POST
def book(request, listing_id: int):
    """'Book a video viewing' on a listing page; a refused booking gets the page back."""
    listing = get_object_or_404(Listing.objects.active(), pk=listing_id)
    if not request.user.is_authenticated:
        return redirect_to_login(f"{listing.get_absolute_url()}#viewing")
    form = BookingForm(request.POST)
    if form.is_valid():
        try:
            services.viewing_request(buyer=request.user, listing=listing, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            flash.success(request, _("Asked. You will be told when the agent answers."))
            return redirect("viewings:list")
    # The page's "Book a video viewing" (templatetags/viewings.py) shows this form and its errors.
    return render_listing_detail(request, listing.pk, context={"viewing_form": form}, status=400)


@login_required
def viewing_list(request):
    user = request.user
    past = Paginator(selectors.past_viewings(user), PAST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    upcoming = list(selectors.upcoming_viewings(user)[:UPCOMING_LIMIT])
    propose_slots = (
        selectors.next_free_slots(user.pk, count=PROPOSE_SLOTS)
        if user.is_agent and any(v.status == v.Status.REQUESTED for v in upcoming)
        else []
    )
    return render(
        request,
        "viewings/list.html",
        {
            "upcoming": [(v, services.viewing_moves(v, user)) for v in upcoming],
            "past": past,
            "past_rows": [(v, services.viewing_moves(v, user)) for v in past],
            "propose_choices": slot_choices(propose_slots),
        },
    )


MOVES = {
    "confirm": lambda viewing, user, data: services.viewing_confirm(viewing=viewing, by=user),
    "cancel": lambda viewing, user, data: services.viewing_cancel(viewing=viewing, by=user),
    "done": lambda viewing, user, data: services.viewing_mark_done(viewing=viewing, by=user),
}


@login_required
@require_POST
def act(request, viewing_id: int, move: str):
    """One of a viewing's buttons: confirm, decline, propose, cancel, done."""
    viewing = selectors.viewing_for(user=request.user, viewing_id=viewing_id)
    try:
        if move in MOVES:
            MOVES[move](viewing, request.user, request.POST)
        elif move == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["reason"])
            services.viewing_decline(
                viewing=viewing, by=request.user, reason=form.cleaned_data["reason"]
            )
        else:  # the URLconf names the five moves: "propose" is the last
            form = ProposeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["starts_at"])
            services.viewing_propose(
                viewing=viewing, by=request.user, starts_at=form.cleaned_data["starts_at"]
            )
    except ValidationError as error:
        for message in error.messages:
            flash.error(request, message)
    else:
        flash.success(request, _("Done."))
    return redirect(f"{reverse('viewings:list')}#viewing-{viewing.pk}")


@login_required
def calendar_file(request, viewing_id: int):
    viewing = selectors.viewing_for(user=request.user, viewing_id=viewing_id)
    return ics_response(viewing, request.user)


def _agent_only(user) -> None:
    if not user.is_agent:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def hours(request):
    """The agent's weekly viewing hours and days off."""
    agent = request.user
    _agent_only(agent)
    hours_form = WeeklyHoursForm(
        request.POST if "save_hours" in request.POST else None,
        hours=selectors.weekly_hours_of(agent),
    )
    day_off_form = DayOffForm(request.POST if "add_day_off" in request.POST else None)
    if hours_form.is_bound and hours_form.is_valid():
        try:
            services.weekly_hours_set(agent=agent, hours=hours_form.hours())
        except ValidationError as error:
            _form_errors(hours_form, error)
        else:
            flash.success(request, _("Your viewing hours are saved."))
            return redirect("viewings:hours")
    if day_off_form.is_bound and day_off_form.is_valid():
        try:
            services.day_off_add(
                agent=agent,
                day=day_off_form.cleaned_data["date"],
                note=day_off_form.cleaned_data["note"],
            )
        except ValidationError as error:
            _form_errors(day_off_form, error)
        else:
            flash.success(request, _("Day off added."))
            return redirect("viewings:hours")
    if "remove_day_off" in request.POST:
        services.day_off_remove(agent=agent, day_off_id=_int(request.POST["remove_day_off"]))
        return redirect("viewings:hours")
    return render(
        request,
        "viewings/hours.html",
        {
            "hours_form": hours_form,
            "day_off_form": day_off_form,
            "days_off": selectors.days_off_ahead(agent),
            "slot_minutes": settings.VIEWING_SLOT_MINUTES,
        },
        status=400 if hours_form.errors or day_off_form.errors else 200,
    )


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 19 else 0
