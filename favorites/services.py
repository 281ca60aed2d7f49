from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from favorites.models import Favorite
from favorites.selectors import can_save_flats
from listings.models import Listing, ListingPriceChange
from listings.templatetags.walkup import yuan
from notifications.models import Kind
from notifications.services import notification_build, notify_many

# Saved only while on the market; the Save button reads this too (templatetags.saved_flats).
SAVEABLE_STATUSES = {Listing.Status.ACTIVE, Listing.Status.RESERVED}


@transaction.atomic
def favorite_add(*, user: User, listing: Listing) -> tuple[Favorite, bool]:
    """Save a flat for a buyer; saving it again returns the saved one (created is False)."""
    if not can_save_flats(user):
        raise ValidationError(_("Only buyers can save flats."))
    existing = Favorite.objects.filter(user=user, listing=listing).first()
    if existing:
        return existing, False
    if listing.status not in SAVEABLE_STATUSES:
        raise ValidationError({"listing": _("This flat is no longer on the market.")})
    # get_or_create: the same buyer saving twice at once gets one row, not an error.
    return Favorite.objects.get_or_create(user=user, listing=listing)


@transaction.atomic
def favorite_remove(*, user: User, listing_id: int) -> bool:
    """Unsave a flat; False when the user had not saved it."""
    deleted, _rows = Favorite.objects.filter(user=user, listing_id=listing_id).delete()
    return deleted > 0


def favorites_notify_price_cut(*, listing: Listing, change: ListingPriceChange) -> int:
    """Tell every buyer who saved the flat about a cut, in the caller's transaction.

    One query finds them and one insert records all their notifications, however many they are.
    """
    buyers = list(
        User.objects.filter(favorites__listing=listing, is_active=True).only("pk", "language")
    )
    link = reverse("listings:detail", args=[listing.pk])
    notify_many(
        [
            notification_build(
                recipient=buyer,
                kind=Kind.PRICE_CUT,
                subject=listing,
                text=_price_cut_text(buyer, listing, change),
                link=link,
                group_key=f"price-cut:{listing.pk}",
            )
            for buyer in buyers
        ]
    )
    return len(buyers)


def _price_cut_text(buyer: User, listing: Listing, change: ListingPriceChange) -> str:
    with translation.override(buyer.language):
        return _("Price cut on %(title)s: now %(new)s, was %(old)s.") % {
            "title": listing.title,
            "new": yuan(change.new_price),
            "old": yuan(change.old_price),
        }
