"""reviews' parts of other apps' pages (the listing page's agent card, a completed purchase, a
done viewing), so the apps that render those pages know nothing of reviews."""

from django import template

from reviews.selectors import agent_rating, review_of_purchase

register = template.Library()


@register.inclusion_tag("reviews/_rating.html")
def agent_rating_line(agent_id: int):
    """The agent's average and count of reviews, linking to them (one query, cached)."""
    return {"agent_id": agent_id, "rating": agent_rating(agent_id), "link": True}


@register.inclusion_tag("reviews/_rate_purchase.html", takes_context=True)
def rate_the_agent(context, purchase):
    """On a completed purchase, its buyer's review of the agent, or the way to write one (one
    query, and none on any other purchase)."""
    user = context["request"].user
    if purchase.status != purchase.Status.COMPLETED or user.pk != purchase.buyer_id:
        return {"shown": False}
    return {"shown": True, "purchase": purchase, "review": review_of_purchase(purchase)}


@register.inclusion_tag("reviews/_rate_viewing.html", takes_context=True)
def rate_viewing_link(context, viewing):
    """A link to review the agent from a done viewing, for its buyer (no query: the review page
    sends back to the review if one was written already)."""
    user = context["request"].user
    shown = viewing.status == viewing.Status.DONE and user.pk == viewing.buyer_id
    return {"shown": shown, "viewing": viewing}
