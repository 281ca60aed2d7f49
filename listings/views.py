from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from listings import hooks, selectors
from listings.filters import ListingFilterSet
from listings.pages import render_listing_detail
from listings.paginators import CappedCountPaginator
from listings.search_cache import cache_anonymous_search_page


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
@cache_anonymous_search_page
def search(request):
    filterset = selectors.listing_search(params=request.GET, user=request.user)
    page = None
    request.search_is_valid = filterset.is_valid()
    if request.search_is_valid:
        number = request.GET.get("page")
        paginator = CappedCountPaginator(
            filterset.qs, settings.LISTINGS_PAGE_SIZE, page_number=number
        )
        page = paginator.get_page(number)
        page.object_list = hooks.with_card_notes(page.object_list)
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "query": query_without_page.urlencode(),
    }
    if placeholder := getattr(request, "csrf_token_placeholder", None):
        context["csrf_token"] = placeholder  # the page is being kept for others (search_cache)
    return render(request, "listings/search.html", context)


@require_GET
def detail(request, listing_id: int):
    return render_listing_detail(request, listing_id, count_view=True)
