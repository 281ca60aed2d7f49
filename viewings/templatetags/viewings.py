"""viewings' part of the listing page (templates/listings/detail.html loads it), so the listings
app that renders the page knows nothing of viewings."""

from django import template

from viewings.forms import BookingForm, slot_choices
from viewings.selectors import live_viewing_of, next_free_slots

register = template.Library()

SLOTS_SHOWN = 8


@register.inclusion_tag("viewings/_book.html", takes_context=True)
def book_a_viewing(context, listing):
    """The next free slots of the listing's agent, and the form to book one.

    A refused booking comes back as the page's `viewing_form` (views.book) with its errors and
    what was typed; the times offered are always the ones free now.
    """
    request = context["request"]
    slots = next_free_slots(listing.agent_id, count=SLOTS_SHOWN)
    form = context.get("viewing_form")
    if form is None:
        form = BookingForm(slots=slots)
    else:
        form.fields["starts_at"].widget.choices = slot_choices(slots)
    return {
        "listing": listing,
        "user": request.user,
        "slots": slots,
        "viewing_form": form,
        "live_viewing": live_viewing_of(buyer=request.user, listing=listing),
    }
