"""messaging's parts of the listing page (templates/listings/detail.html loads them), so the
listings app that renders the page knows nothing of conversations."""

from django import template

from messaging.forms import MessageForm, draft_key
from messaging.selectors import agent_median_response_seconds, existing_conversation

register = template.Library()


@register.simple_tag
def agent_response_seconds(listing) -> int | None:
    """How long the listing's agent usually takes to answer a first message (cached)."""
    return agent_median_response_seconds(listing.agent_id)


@register.inclusion_tag("messaging/_ask_agent.html", takes_context=True)
def message_the_agent(context, listing):
    """The form to message the agent, and the way back to a conversation already started.

    A refused message comes back as the page's `message_form` (views.ask_agent), with its
    errors; otherwise the form holds what a visitor typed before logging in.
    """
    request = context["request"]
    form = context.get("message_form")
    if form is None:
        form = MessageForm(initial={"body": request.session.get(draft_key(listing.pk), "")})
    return {
        "listing": listing,
        "user": request.user,
        "message_form": form,
        "conversation": existing_conversation(user=request.user, listing=listing),
    }
