"""An experiment, not app code: how fast the same page gets while staying inside Django.

Same URL parameters, same ListingFilterSet and the same middleware stack as
/api/v1/listings/, but page 1 is built from `values_list()` (no model instances),
plain dicts (no DRF serializers) and orjson (no DRF renderer). listings_search.py
mounts it at /bench/lean-listings/ for its "experiments" table only.
"""

import base64

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.utils.translation import get_language

from listings.filters import ListingFilterSet
from listings.models import Listing

FIELDS = (
    "id",
    "title",
    "city__slug",
    "city__name",
    "city__name_zh",
    "district_id",
    "district__name",
    "district__name_zh",
    "price",
    "area_m2",
    "price_per_m2",
    "rooms",
    "floor",
    "total_floors",
    "has_elevator",
    "heating",
    "condition",
    "year_built",
    "status",
    "published_at",
    "agent_id",
    "agent__first_name",
    "agent__last_name",
    "agent__username",
    "agent__agent_profile__agency_name",
    "agent__agent_profile__verified",
)


def _display_name(first, last, username):
    if any("\u4e00" <= ch <= "\u9fff" for ch in last + first):
        return f"{last}{first}"
    return f"{first} {last}".strip() or username


def lean_listings(request):
    filterset = ListingFilterSet(data=request.GET, queryset=Listing.objects.active())
    if not filterset.is_valid():
        return HttpResponse(
            orjson.dumps(filterset.errors), status=400, content_type="application/json"
        )
    queryset = filterset.qs
    sort = queryset.query.order_by[0]
    page_size = settings.LISTINGS_PAGE_SIZE
    rows = list(queryset.values_list(*FIELDS)[: page_size + 1])
    more = len(rows) > page_size
    zh = (get_language() or "").startswith("zh")
    localtime = timezone.localtime
    results = [
        {
            "id": r[0],
            "title": r[1],
            "city": {"slug": r[2], "name": r[4] if zh and r[4] else r[3]},
            "district": {"id": r[5], "name": r[7] if zh and r[7] else r[6]},
            "price": r[8],
            "area_m2": float(r[9]),
            "price_per_m2": r[10],
            "rooms": r[11],
            "floor": r[12],
            "total_floors": r[13],
            "has_elevator": r[14],
            "heating": r[15],
            "condition": r[16],
            "year_built": r[17],
            "status": r[18],
            "published_at": localtime(r[19]) if r[19] else None,
            "agent": {
                "id": r[20],
                "name": _display_name(r[21], r[22], r[23]),
                "agency": r[24],
                "verified": bool(r[25]),
            },
        }
        for r in rows[:page_size]
    ]
    next_link = None
    if more:
        last = results[-1]
        payload = {"d": "n", "o": sort, "v": last[sort.lstrip("-")], "id": last["id"]}
        token = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
        next_link = request.build_absolute_uri(
            f"{request.path}?{request.GET.urlencode()}&cursor={token}"
        )
    body = orjson.dumps({"next": next_link, "previous": None, "results": results})
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("", include("marketplace.urls")),
    path("bench/lean-listings/", lean_listings),
]
