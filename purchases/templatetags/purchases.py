"""purchases' part of the listing page (templates/listings/detail.html loads it), so the
listings app that renders the page knows nothing of purchases."""

from django import template

from purchases.models import Purchase

register = template.Library()


@register.inclusion_tag("purchases/_start_purchase.html", takes_context=True)
def start_purchase(context, listing):
    """The buyer's way into the purchase checklist, or back to the purchase already open."""
    user = context["request"].user
    open_purchase = None
    if user.is_authenticated:
        open_purchase = (
            Purchase.objects.filter(listing=listing, buyer=user, status__in=Purchase.OPEN_STATUSES)
            .only("pk")
            .first()
        )
    return {"listing": listing, "user": user, "open_purchase": open_purchase}
