from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from listings import hooks, selectors
from listings.filters import ListingFilterSet
from listings.pages import render_listing_detail


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
        page.object_list = hooks.with_card_notes(page.object_list)
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
    return render_listing_detail(request, listing_id, count_view=True)
