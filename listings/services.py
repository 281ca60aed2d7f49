from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from listings.models import Listing

Status = Listing.Status

ALLOWED_STATUS_CHANGES: dict[str, set[str]] = {
    Status.DRAFT: {Status.ACTIVE, Status.WITHDRAWN},
    Status.ACTIVE: {Status.RESERVED, Status.SOLD, Status.WITHDRAWN},
    Status.RESERVED: {Status.ACTIVE, Status.SOLD, Status.WITHDRAWN},
    Status.WITHDRAWN: {Status.ACTIVE, Status.DRAFT},
    Status.SOLD: set(),
}

# Fields an agent may set; the agent, the computed price per m² and timestamps are not among them.
EDITABLE_FIELDS = (
    "city",
    "district",
    "title",
    "description",
    "community_name",
    "street_address",
    "price",
    "area_m2",
    "rooms",
    "floor",
    "total_floors",
    "has_elevator",
    "heating",
    "heating_fee_per_m2",
    "condition",
    "year_built",
    "has_ownership_certificate",
)


def status_change_error(old: str, new: str) -> str | None:
    """Why a listing may not go from one status to another, or None when it may."""
    if new == old or new in ALLOWED_STATUS_CHANGES[old]:
        return None
    return _("A listing cannot go from %(old)s to %(new)s.") % {
        "old": Status(old).label,
        "new": Status(new).label,
    }


def _apply_status(listing: Listing, status: str) -> None:
    error = status_change_error(listing.status, status)
    if error:
        raise ValidationError({"status": error})
    listing.status = status
    if status == Status.ACTIVE and listing.published_at is None:
        listing.published_at = timezone.now()


@transaction.atomic
def listing_create(*, agent: User, data: dict[str, Any]) -> Listing:
    if not agent.is_agent:
        raise ValidationError(_("Only agents can create listings."))
    listing = Listing(agent=agent, **{name: data[name] for name in EDITABLE_FIELDS if name in data})
    if "status" in data:
        _apply_status(listing, data["status"])
    listing.full_clean()
    listing.save()
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, data: dict[str, Any]) -> Listing:
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(listing, name, data[name])
    if "status" in data:
        _apply_status(listing, data["status"])
    listing.full_clean()
    listing.save()
    # The database computes price per m²; Django reads generated columns back on insert only.
    listing.refresh_from_db(fields=["price_per_m2"])
    return listing


def listing_set_status(*, listing: Listing, status: str) -> Listing:
    return listing_update(listing=listing, data={"status": status})


def listing_remove(*, listing: Listing) -> None:
    """A never-published listing is deleted; a published one is withdrawn so its history stays."""
    if listing.published_at is None:
        listing.delete()
    else:
        listing_set_status(listing=listing, status=Status.WITHDRAWN)
