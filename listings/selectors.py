import math
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404

from listings import costs, hooks
from listings.aggregates import Median
from listings.filters import ListingFilterSet
from listings.models import City, Listing, ListingPhotoLookalike, may_verify_listings

CITY_STATS_CACHE_KEY = "listings:city-market-stats:v1"


@dataclass(frozen=True)
class CityMarket:
    active_listings: int = 0
    median_price_per_m2: int | None = None


def city_market_stats_compute() -> dict[int, CityMarket]:
    """Active listing count and median price per m² per city id, in one query."""
    rows = (
        Listing.objects.active()
        .order_by()
        .values("city_id")
        .annotate(active_listings=Count("id"), median=Median("price_per_m2"))
    )
    return {
        row["city_id"]: CityMarket(
            active_listings=row["active_listings"],
            median_price_per_m2=_round_half_up(row["median"]),
        )
        for row in rows
    }


def _round_half_up(value: float | None) -> int | None:
    return None if value is None else math.floor(value + 0.5)


def city_market_stats() -> dict[int, CityMarket]:
    """The cached figures; a periodic task refreshes them so page views rarely compute them."""
    cached = cache.get(CITY_STATS_CACHE_KEY)
    if cached is None:
        return city_market_stats_refresh()
    return {int(city_id): CityMarket(*values) for city_id, values in cached.items()}


def city_market_stats_refresh() -> dict[int, CityMarket]:
    stats = city_market_stats_compute()
    cache.set(
        CITY_STATS_CACHE_KEY, city_market_stats_as_json(stats), settings.CITY_STATS_CACHE_SECONDS
    )
    return stats


def city_market_stats_as_json(stats: dict[int, CityMarket]) -> dict[str, list]:
    return {
        str(city_id): [market.active_listings, market.median_price_per_m2]
        for city_id, market in stats.items()
    }


def cities_with_market() -> list[tuple[City, CityMarket]]:
    stats = city_market_stats()
    return [(city, stats.get(city.pk, CityMarket())) for city in City.objects.all()]


def listing_search(*, params, user=None) -> ListingFilterSet:
    """Public search over active listings; the caller reads `.qs`, `.form` and `.errors`.

    The filter set is always bound, so no parameters at all is a valid search for everything.
    With a user, each card also carries the viewer flags (hooks), in the same query. A flat
    listed by several agents shows once (`one_per_flat`).
    """
    return ListingFilterSet(
        params,
        queryset=Listing.objects.active(),
        one_per_flat=True,
        present=partial(listing_cards_of, user=user),
    )


def listing_newest(*, limit: int = 6, user=None) -> list[Listing]:
    newest = listing_cards(user=user).active().order_by("-published_at", "-id")[:limit]
    return hooks.with_card_notes(newest)


def listing_cards(*, user=None):
    """Listings with what a card shows, and with a user, what the viewer flags say for them."""
    return listing_cards_of(Listing.objects.all(), user=user)


def listing_cards_of(listings, *, user=None):
    """These listings with what a card shows (and with a user, the viewer flags): added after
    any filter, so the filters' own clauses and subqueries stay on the plain queryset."""
    cards = listings.for_cards()
    return cards if user is None else hooks.with_viewer_flags(cards, user=user)


def listing_photos_visible_to(user, listing_id: int) -> bool:
    """Whether the user may see this listing's private photo files (photos.access): whoever may
    see the listing, so a just-published listing's photos work before they are moved; and the
    verifiers, who compare a draft's photos with others' in the possible duplicates."""
    if Listing.objects.visible_to(user).filter(pk=listing_id).exists():
        return True
    return may_verify_listings(user)


def listing_proofs_visible_to(user, listing_id: int) -> bool:
    """Who may see a listing's proof documents (photos.access): whoever manages the listing (its
    agent, a superuser) and the verifiers; nobody else, whatever the listing's status."""
    if may_verify_listings(user):
        return True
    return Listing.objects.managed_by(user).filter(pk=listing_id).exists()


def listing_same_flat(listing: Listing) -> list[Listing]:
    """The other listings on the market of the same flat (by other agents), cheapest first,
    with their agents: one query."""
    if listing.same_flat_key is None:
        return []
    return list(
        Listing.objects.active()
        .filter(same_flat_key=listing.same_flat_key)
        .exclude(pk=listing.pk)
        .exclude(agent_id=listing.agent_id)
        .select_related("agent__agent_profile")
        .order_by("price", "pk")
    )


def photo_lookalikes_for_agent(*, photos, user) -> dict[int, list[int]]:
    """For each of these photos, the other listings (that the user may see) with a photo that
    looks like it: {photo id: [listing id, ...]}, in one query."""
    rows = (
        ListingPhotoLookalike.objects.filter(photo__in=[photo.pk for photo in photos])
        .filter(other__listing__in=Listing.objects.visible_to(user).values("pk"))
        .order_by("distance", "other__listing_id")
        .values_list("photo_id", "other__listing_id")
    )
    found: dict[int, list[int]] = {}
    for photo_id, listing_id in rows:
        if listing_id not in found.setdefault(photo_id, []):
            found[photo_id].append(listing_id)
    return found


def listing_for_viewer(*, listing_id: int, user) -> Listing:
    """A listing the user may see: active ones, and an agent's own in any status; else 404."""
    try:
        return listing_detail_queryset(user=user).get(pk=listing_id)
    except Listing.DoesNotExist:
        raise Http404 from None


def listing_detail_queryset(*, user):
    """What a listing page or API detail reads, in one query and two prefetches."""
    listings = (
        Listing.objects.visible_to(user)
        .with_card_relations()
        .with_gallery()
        .with_cover()
        .with_price_cut_mark()
        .with_price_history()
        .with_other_agents()
    )
    return hooks.with_viewer_flags(listings, user=user)


def listing_total_cost(
    *, listing: Listing, user, home: str = costs.DEFAULT_HOME
) -> costs.TotalCost:
    """What the flat costs in all, with the viewer's own monthly savings if they gave them."""
    savings = user.monthly_savings if user is not None and user.is_authenticated else None
    return costs.total_cost(listing, home=home, monthly_savings=savings)
