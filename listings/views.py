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
            "newest": selectors.listing_newest(),
            "search_form": ListingFilterSet().form,
        },
    )


@require_GET
def search(request):
    filterset = selectors.listing_search(params=request.GET)
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
    listing = selectors.listing_for_viewer(listing_id=listing_id, user=request.user)
    market = selectors.city_market_stats().get(listing.city_id)
    return render(
        request,
        "listings/detail.html",
        {"listing": listing, "city_median": market.median_price_per_m2 if market else None},
    )
