"""The listing page as a function other apps' views may answer with (views.py is URL handlers).

The parts of the page other apps own come from their template tags (`{% load messaging %}`), so
when one of them answers its own form with this page (messaging: a refused "Message the agent"
gets the page back with the form and its errors), it passes what its tag reads in `context`;
listings does not know what that is.
"""

from django.shortcuts import render

from listings import hooks, selectors
from listings.forms import TotalCostForm


def render_listing_detail(
    request, listing_id: int, *, context=None, status: int = 200, count_view: bool = False
):
    listing = selectors.listing_for_viewer(listing_id=listing_id, user=request.user)
    if count_view:
        hooks.announce_listing_viewed(request=request, listing=listing)
    market = selectors.city_market_stats().get(listing.city_id)
    cost_form = TotalCostForm(request.GET if "home" in request.GET else None)
    total_cost = selectors.listing_total_cost(
        listing=listing, user=request.user, home=cost_form.chosen_home()
    )
    return render(
        request,
        "listings/detail.html",
        {
            **(context or {}),
            "listing": listing,
            "manages": listing.is_managed_by(request.user),
            "city_median": market.median_price_per_m2 if market else None,
            "total_cost": total_cost,
            "total_cost_form": cost_form,
            # The same flat from other agents: one query, only for a listing that has some.
            "same_flat": selectors.listing_same_flat(listing),
        },
        status=status,
    )
