"""Buyers waiting for their agent's answer, on the agent's to-do list (listings.hooks)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from listings import hooks
from messaging.selectors import conversations_awaiting_reply

SHOWN = 8


def awaiting_reply_todo(user) -> hooks.TodoGroup | None:
    if not (user.is_authenticated and user.is_agent):
        return None
    waiting = conversations_awaiting_reply(user)
    shown = list(waiting[: SHOWN + 1])
    if not shown:
        return None
    items = [
        hooks.TodoItem(
            text=_("%(buyer)s is waiting for your answer about “%(title)s”")
            % {"buyer": conversation.buyer.display_name, "title": conversation.listing.title},
            link=reverse("messaging:conversation", args=[conversation.pk]),
            when=conversation.waiting_since,
            overdue=True,
        )
        for conversation in shown[:SHOWN]
    ]
    return hooks.TodoGroup(
        title=_("Buyers waiting for a reply"),
        items=items,
        more=waiting.count() - SHOWN if len(shown) > SHOWN else 0,
        more_link=reverse("messaging:inbox"),
    )
