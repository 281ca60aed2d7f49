"""Demo saved flats, and the price cuts their buyers hear about (called by `manage.py load_demo`
after the listings demo; idempotent).

The cuts are here rather than in the listings demo because they are chosen around what the
buyers saved, so that each buyer has a price-cut notification to see.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from favorites.models import Favorite
from favorites.services import favorite_add
from listings.demo import BUYERS
from listings.models import Listing, ListingPriceChange
from listings.services import listing_update

FAVORITES_PER_BUYER = 6
PRICE_CUT_EVERY = 20  # every 20th active listing had its price cut...
PRICE_CUT_DAYS_AGO = [2, 9, 20, 40]  # ...this long ago, in turn (14 days and less: marked)


@transaction.atomic
def load_favorites_demo(*, now=None) -> None:
    """Each demo buyer saved a few flats (one since sold), then some prices were cut.

    The cuts go through `listing_update`, so buyers who saved those flats are notified; a
    listing already with a price history is left alone, so running again changes nothing.
    """
    now = now or timezone.now()
    active = list(Listing.objects.active().order_by("id"))
    sold = Listing.objects.filter(status=Listing.Status.SOLD).order_by("id").first()
    to_cut = []
    for number, (username, _first_name, _last_name) in enumerate(BUYERS):
        buyer = User.objects.get(username=username)
        saved = active[number * 7 :: 21][:FAVORITES_PER_BUYER]
        for listing in saved:
            favorite_add(user=buyer, listing=listing)
        if sold is not None:  # saved while it was for sale
            Favorite.objects.get_or_create(user=buyer, listing=sold)
        to_cut += saved[:2]
    to_cut += [listing for listing in active[::PRICE_CUT_EVERY] if listing not in to_cut]

    for number, listing in enumerate(to_cut):
        if ListingPriceChange.objects.filter(listing=listing).exists():
            continue
        cut = max(18_000, round(listing.price * 0.93, -2))
        if cut >= listing.price:
            continue
        listing_update(listing=listing, by=listing.agent, data={"price": cut})
        days_ago = PRICE_CUT_DAYS_AGO[number % len(PRICE_CUT_DAYS_AGO)]
        ListingPriceChange.objects.filter(listing=listing).update(
            changed_at=max(listing.published_at, now - timedelta(days=days_ago))
        )
