from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from favorites.models import Favorite
from listings.models import Listing


def with_favorite_flag(listings: QuerySet[Listing], *, user) -> QuerySet[Listing]:
    """Annotate `is_favorite` for this user, in the same query (False for visitors and agents)."""
    if not can_save_flats(user):
        return listings.annotate(is_favorite=Value(False))
    return listings.annotate(
        is_favorite=Exists(Favorite.objects.filter(user=user, listing=OuterRef("pk")))
    )


def can_save_flats(user) -> bool:
    """Saving flats is for buyers: agents sell, and their own listings are in the admin."""
    return bool(user.is_authenticated and user.is_active and not user.is_agent)


def favorites_for(user: User) -> QuerySet[Favorite]:
    """The user's saved flats, newest first, each listing with its card data: two queries.

    Sold, reserved and withdrawn flats stay (their cards say so); one taken back into draft is
    its agent's business again and is left out until it is back on the market.
    """
    cards = with_favorite_flag(Listing.objects.for_cards(), user=user)
    return (
        Favorite.objects.filter(user=user)
        .exclude(listing__status=Listing.Status.DRAFT)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("listing", queryset=cards))
    )


def favorite_user_ids(*, listing: Listing) -> QuerySet:
    return Favorite.objects.filter(listing=listing).values_list("user_id", flat=True)


def with_save_count(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """Annotate `saves`: how many buyers saved each listing (the agent's workbench), in the same
    query. Who they are stays theirs: only the number is shown."""
    saves = (
        Favorite.objects.filter(listing=OuterRef("pk"))
        .order_by()
        .values("listing")
        .annotate(count=Count("id"))
        .values("count")
    )
    return listings.annotate(saves=Coalesce(Subquery(saves, output_field=IntegerField()), 0))
