from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from listings import selectors
from listings.filters import ListingFilterSet


@require_GET
def home(request):
    return render(
        request,
        "home.html",
        {
            "cities": selectors.cities_with_market(),
            "newest": selectors.listing_newest(user=request.user),
            "search_form": ListingFilterSet().form,
        },
    )


@require_GET
def search(request):
    filterset = selectors.listing_search(params=request.GET, user=request.user)
    page = None
    if filterset.is_valid():
        paginator = Paginator(filterset.qs, settings.LISTINGS_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "listings/search.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page": page,
            "query": query_without_page.urlencode(),
        },
    )


@require_GET
def detail(request, listing_id: int):
    return render_listing_detail(request, listing_id)


def render_listing_detail(request, listing_id: int, message_form=None, status: int = 200):
    """The listing page; messaging renders it again with its form when a message is refused."""
    from messaging.forms import MessageForm
    from messaging.selectors import agent_median_response_seconds, existing_conversation
    from messaging.views import draft_key

    listing = selectors.listing_for_viewer(listing_id=listing_id, user=request.user)
    market = selectors.city_market_stats().get(listing.city_id)
    if message_form is None:
        draft = request.session.get(draft_key(listing.pk), "")
        message_form = MessageForm(initial={"body": draft})
    return render(
        request,
        "listings/detail.html",
        {
            "listing": listing,
            "manages": listing.is_managed_by(request.user),
            "city_median": market.median_price_per_m2 if market else None,
            "message_form": message_form,
            "conversation": existing_conversation(user=request.user, listing=listing),
            "response_seconds": agent_median_response_seconds(listing.agent_id),
        },
        status=status,
    )
