from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from listings import hooks
from listings.cities import city_map_forget
from listings.models import (
    City,
    Listing,
    ListingPhoto,
    ListingPhotoLookalike,
    ListingPriceChange,
    ListingProof,
    may_reassign_listings,
    may_verify_listings,
)
from listings.search_cache import city_slugs_changed, searches_changed
from marketplace.tasks import enqueue_or_leave_for_sweep
from photos import pipeline as photo_pipeline
from photos.hashing import lookalikes
from photos.services import photo_uploads_check, photo_uploads_record, photos_storing
from photos.validation import check_image_upload

Status = Listing.Status

ALLOWED_STATUS_CHANGES: dict[str, set[str]] = {
    Status.DRAFT: {Status.ACTIVE, Status.WITHDRAWN},
    Status.ACTIVE: {Status.RESERVED, Status.SOLD, Status.WITHDRAWN},
    Status.RESERVED: {Status.ACTIVE, Status.SOLD, Status.WITHDRAWN},
    Status.WITHDRAWN: {Status.ACTIVE, Status.DRAFT},
    Status.SOLD: set(),
    # Active → expired is the expiry sweep's alone (listings_expire_stale), never an agent's.
    Status.EXPIRED: {Status.ACTIVE, Status.SOLD, Status.WITHDRAWN},
}

# A new listing starts as a draft or is published at once, whoever creates it and however.
FIRST_STATUSES = (Status.DRAFT, Status.ACTIVE)

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
    "property_fee_per_m2_month",
    "seller_taxes_paid_by",
    "seller_owned_since",
    "seller_only_home",
)


@transaction.atomic
def city_save(*, city: City) -> City:
    """Add or change a city (the admin): the search's map of cities by slug is read again, and
    searches kept under its old or new slug are computed again."""
    city.full_clean()
    old_slug = City.objects.filter(pk=city.pk).values_list("slug", flat=True).first()
    city.save()
    city_changed(city.slug, old_slug)
    return city


@transaction.atomic
def city_delete(*, city: City) -> None:
    slug = city.slug
    city.delete()
    city_changed(slug)


def city_changed(*slugs: str | None) -> None:
    """Cities were added, changed or deleted: once that commits, the search's map of cities by
    slug (listings.cities) is read again from the database, and the search answers kept for
    these slugs and for all cities are not served again."""
    transaction.on_commit(city_map_forget)
    city_slugs_changed(*(slug for slug in slugs if slug))


def status_change_error(old: str, new: str) -> str | None:
    """Why a listing may not go from one status to another, or None when it may."""
    if new == old or new in ALLOWED_STATUS_CHANGES[old]:
        return None
    return _("A listing cannot go from %(old)s to %(new)s.") % {
        "old": Status(old).label,
        "new": Status(new).label,
    }


def first_status_error(status: str) -> str | None:
    """Why a new listing may not start in this status, or None when it may."""
    if status in FIRST_STATUSES:
        return None
    return _("A new listing starts as a draft or is published at once.")


def _require_manager(listing: Listing, by: User) -> None:
    """Whoever calls a service (API, admin, demo), it checks who acts: Listing.is_managed_by."""
    if not listing.is_managed_by(by):
        raise PermissionDenied(_("Only the listing's agent can change it."))


def _require_reassigner(by: User) -> None:
    if not may_reassign_listings(by):
        raise PermissionDenied(_("Only a superuser can give a listing to another agent."))


def _apply_status(listing: Listing, status: str) -> None:
    error = status_change_error(listing.status, status)
    if error:
        raise ValidationError({"status": error})
    was_active = listing.status == Status.ACTIVE
    listing.status = status
    if status == Status.ACTIVE and listing.published_at is None:
        listing.published_at = timezone.now()
    if status == Status.ACTIVE and not was_active:
        # Put on the market (again) by its agent: that is a confirmation it is for sale.
        listing.confirmed_at = timezone.now()


@transaction.atomic
def listing_create(*, by: User, data: dict[str, Any], agent: User | None = None) -> Listing:
    """A new listing of its creator, or of `agent` when a superuser creates it for them."""
    agent = by if agent is None else agent
    if agent.pk != by.pk:
        _require_reassigner(by)
    if not agent.is_agent:
        raise ValidationError(_("Only agents can create listings."))
    error = first_status_error(data.get("status", Status.DRAFT))
    if error:
        raise ValidationError({"status": error})
    listing = Listing(agent=agent, **{name: data[name] for name in EDITABLE_FIELDS if name in data})
    if "status" in data:
        _apply_status(listing, data["status"])
    listing.full_clean()
    listing.save()
    searches_changed(listing.city_id)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, by: User, data: dict[str, Any]) -> Listing:
    _require_manager(listing, by)
    stored_price, old_status, photos_were_public = _lock_for_price_change(listing)
    stored_facts = _stored_facts(listing)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(listing, name, data[name])
    if "status" in data:
        _apply_status(listing, data["status"])
    _track_market_exit(listing, old_status)
    facts_changed = stored_facts is not None and _facts(listing) != stored_facts
    if facts_changed:
        _unverify(listing)
    listing.full_clean()
    listing.save()
    if facts_changed:
        _same_flat_regroup(listing)
    if listing.photos_are_public != photos_were_public:
        _queue_photos_relocation(listing.pk)
    # The database computes price per m²; Django reads generated columns back on insert only.
    listing.refresh_from_db(fields=["price_per_m2"])
    _record_price_change(listing, old_price=stored_price)
    # Both cities when it moved; any change may show (a price, a status, a fact, a title).
    searches_changed(listing.city_id, stored_facts[0] if stored_facts else None)
    return listing


def listing_set_status(*, listing: Listing, by: User, status: str) -> Listing:
    return listing_update(listing=listing, by=by, data={"status": status})


@transaction.atomic
def listing_set_agent(*, listing: Listing, by: User, agent: User) -> Listing:
    """Give a listing to another agent: a superuser's decision, and only ever to an agent."""
    _require_reassigner(by)
    if not agent.is_agent:
        raise ValidationError({"agent": _("A listing can only be given to an agent.")})
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    listing.agent = agent
    listing.full_clean()
    listing.save(update_fields=["agent", "updated_at"])
    searches_changed(listing.city_id)
    return listing


# --- verification ----------------------------------------------------------------------

# What a verifier checked against the proofs: changing any of them takes the mark away. The
# price is the agent's to change (a verified flat may be cut); so are the words and the photos.
VERIFIED_FACTS = ("city_id", "district_id", "community_name", "street_address", "area_m2", "floor")
PROOFS_PER_LISTING = 10


def _facts(listing: Listing) -> tuple:
    return tuple(getattr(listing, name) for name in VERIFIED_FACTS)


def _stored_facts(listing: Listing) -> tuple | None:
    """The verified facts as stored (the row is locked by the caller); None for a new one."""
    return Listing.objects.filter(pk=listing.pk).values_list(*VERIFIED_FACTS).first()


def _unverify(listing: Listing) -> None:
    listing.verified_at = None
    listing.verified_by = None


def _require_verifier(by: User) -> None:
    if not may_verify_listings(by):
        raise PermissionDenied(_("Only verifiers can verify listings."))


def proof_add(*, listing: Listing, upload, kind: str, by: User) -> ListingProof:
    """Keep a private proof document of the listing (its agent), processed like any photo but
    never public: its agent and the verifiers see it (selectors.listing_proofs_visible_to)."""
    _require_manager(listing, by)
    if kind not in ListingProof.Kind.values:
        raise ValidationError({"kind": _("Choose which document this is.")})
    photo_uploads_check(user=by, count=1, field="image")
    if listing.proofs.count() >= PROOFS_PER_LISTING:
        raise ValidationError(
            {
                "image": _("A listing has at most %(count)d proof documents.")
                % {"count": PROOFS_PER_LISTING}
            }
        )
    checked = check_image_upload(upload)
    with photos_storing() as store:
        photo_uploads_record(user=by, count=1, field="image")
        proof = store(ListingProof(listing=listing, kind=kind, uploaded_by=by), checked)
    proof.refresh_from_db()  # eager processing may have finished at commit
    return proof


def verification_missing(listing: Listing) -> list[str]:
    """The proof documents a listing still needs before it can be verified, by name."""
    present = set(
        listing.proofs.filter(status=ListingProof.Status.READY).values_list("kind", flat=True)
    )
    return [str(kind.label) for kind in ListingProof.Kind if kind.value not in present]


@transaction.atomic
def listing_verify(*, listing: Listing, by: User) -> Listing:
    """A verifier has checked the proofs against the listing: mark it verified, by whom, when."""
    _require_verifier(by)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    missing = verification_missing(listing)
    if missing:
        raise ValidationError(
            _("Proof missing or not processed yet: %(documents)s.")
            % {"documents": ", ".join(missing)}
        )
    listing.verified_at = timezone.now()
    listing.verified_by = by
    # updated_at too: saved searches for verified flats see it as changed.
    listing.save(update_fields=["verified_at", "verified_by", "updated_at"])
    searches_changed(listing.city_id)
    return listing


@transaction.atomic
def listing_unverify(*, listing: Listing, by: User) -> Listing:
    _require_verifier(by)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    _unverify(listing)
    listing.save(update_fields=["verified_at", "verified_by", "updated_at"])
    searches_changed(listing.city_id)
    return listing


# --- photos seen on other listings, and the same flat listed by several agents ----------

LOOKALIKES_KEPT = 20
SAME_FLAT_AREA_TOLERANCE = 1  # m²


def listing_photo_record_lookalikes(photo: ListingPhoto) -> list[ListingPhotoLookalike]:
    """Record the photos on other listings that look like this newly hashed one, and put the
    listings that are the same flat with another agent (same city and community, same floor,
    area within 1 m²) in one group. Called by the photo pipeline (photos.hooks) in the
    transaction that stores the hash; running it twice records nothing new."""
    others = ListingPhoto.objects.exclude(listing_id=photo.listing_id).exclude(perceptual_hash=None)
    found = lookalikes(others, photo.perceptual_hash, settings.PHOTO_LOOKALIKE_MAX_DISTANCE)
    rows = [
        ListingPhotoLookalike(photo=photo, other_id=other_id, distance=distance)
        for other_id, distance in found[:LOOKALIKES_KEPT]
    ]
    ListingPhotoLookalike.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        listing = Listing.objects.get(pk=photo.listing_id)
        _same_flat_regroup(listing)
        searches_changed(listing.city_id)
    return rows


def _same_flat(listing: Listing, other: Listing) -> bool:
    return (
        other.agent_id != listing.agent_id
        and other.city_id == listing.city_id
        and bool(listing.community_name.strip())
        and other.community_name.strip().casefold() == listing.community_name.strip().casefold()
        and other.floor == listing.floor
        and abs(other.area_m2 - listing.area_m2) <= SAME_FLAT_AREA_TOLERANCE
    )


def _same_flat_regroup(listing: Listing) -> None:
    """Join the listing to the group of each listing it shares a photo with and is the same
    flat as (the groups merge under their smallest key); leave its group when none is."""
    photo_ids = listing.photos.values("pk")
    linked = ListingPhotoLookalike.objects.filter(photo__in=photo_ids).values("other__listing")
    linking = ListingPhotoLookalike.objects.filter(other__in=photo_ids).values("photo__listing")
    candidates = Listing.objects.filter(models.Q(pk__in=linked) | models.Q(pk__in=linking)).exclude(
        pk=listing.pk
    )
    same = [other for other in candidates if _same_flat(listing, other)]
    if not same:
        if listing.same_flat_key is not None:
            listing.same_flat_key = None
            Listing.objects.filter(pk=listing.pk).update(same_flat_key=None)
        return
    keys = {other.same_flat_key or other.pk for other in same} | {listing.pk}
    if listing.same_flat_key is not None:
        keys.add(listing.same_flat_key)
    key = min(keys)
    members = [listing.pk, *(other.pk for other in same)]
    Listing.objects.filter(models.Q(pk__in=members) | models.Q(same_flat_key__in=keys)).update(
        same_flat_key=key
    )
    listing.same_flat_key = key


# --- price history and days on market --------------------------------------------------

ON_MARKET = {Status.ACTIVE, Status.RESERVED}


def _lock_for_price_change(listing: Listing) -> tuple[int | None, str, bool]:
    """The stored price, status and whether its photos were public, locked: the caller's copy
    may already carry new values, and two agents changing the price at once must each record
    the price the other left."""
    stored = (
        Listing.objects.select_for_update()
        .filter(pk=listing.pk)
        .values_list("price", "status", "published_at")
        .first()
    )
    if stored is None:
        return None, listing.status, listing.photos_are_public
    price, status, published_at = stored
    return price, status, Listing(status=status, published_at=published_at).photos_are_public


def _track_market_exit(listing: Listing, old_status: str) -> None:
    if listing.status in ON_MARKET:
        listing.left_market_at = None
    elif old_status in ON_MARKET:
        listing.left_market_at = timezone.now()


def _record_price_change(listing: Listing, *, old_price: int | None) -> None:
    """Keep the change (not the first price, not an unchanged one) and announce a cut of a flat
    on the market to the apps that listen (hooks), in this transaction."""
    if old_price is None or old_price == listing.price:
        return
    change = ListingPriceChange.objects.create(
        listing=listing, old_price=old_price, new_price=listing.price, changed_at=timezone.now()
    )
    if change.is_cut and listing.is_for_sale:
        hooks.announce_price_cut(listing=listing, change=change)


@transaction.atomic
def listing_remove(*, listing: Listing, by: User) -> None:
    """A never-published listing is deleted; a published one is withdrawn so its history stays."""
    _require_manager(listing, by)
    if listing.published_at is None:
        for photo in listing.photos.select_for_update():
            photo_pipeline.photo_files_delete_after_commit(photo)
        listing.delete()
        searches_changed(listing.city_id)
    else:
        listing_set_status(listing=listing, by=by, status=Status.WITHDRAWN)


# --- photos ---------------------------------------------------------------------------


def photo_add(*, listing: Listing, upload, by: User, caption: str = "") -> ListingPhoto:
    """Check an upload, keep the original privately and queue its processing after commit."""
    return photos_add(listing=listing, uploads=[upload], by=by, caption=caption).photos[0]


@dataclass(frozen=True)
class PhotosAdded:
    photos: list[ListingPhoto]
    duplicates: list[str]  # "name: message" of each file skipped as already on the listing


def photos_add(
    *, listing: Listing, uploads: list, by: User, caption: str = "", skip_duplicates=False
) -> PhotosAdded:
    """Add photos sent together, all or none: each passes the checks, then, in one transaction,
    they are counted against the uploader's budget and kept, and their processing is queued
    after commit. Refused whole (nothing stored, nothing queued) when any one is refused; a
    photo already on the listing is refused too, or left out with `skip_duplicates`."""
    _require_manager(listing, by)
    errors, duplicates = [], []

    def refuse(upload, message):
        name = getattr(upload, "name", "") if len(uploads) > 1 else ""
        errors.append(f"{name}: {message}" if name else message)

    photo_uploads_check(user=by, count=len(uploads), field="image")
    if listing.photos.count() + len(uploads) > settings.PHOTOS_PER_LISTING:
        raise ValidationError(
            {
                "image": _("A listing has at most %(count)d photos.")
                % {"count": settings.PHOTOS_PER_LISTING}
            }
        )
    checked_uploads, seen = [], set()
    for upload in uploads:
        try:
            checked = check_image_upload(upload)
        except ValidationError as error:
            for message in error.messages:
                refuse(upload, message)
            continue
        if checked.sha256 in seen or listing.photos.filter(content_hash=checked.sha256).exists():
            message = _("This photo is already on this listing.")
            if skip_duplicates:
                duplicates.append(f"{getattr(upload, 'name', '')}: {message}")
            else:
                refuse(upload, message)
            continue
        seen.add(checked.sha256)
        checked_uploads.append(checked)
    if errors:
        raise ValidationError({"image": errors})

    with photos_storing() as store:
        photo_uploads_record(user=by, count=len(checked_uploads), field="image")
        last = listing.photos.order_by("-position").values_list("position", flat=True).first()
        stored = [
            store(
                ListingPhoto(
                    listing=listing,
                    caption=caption,
                    position=(0 if last is None else last + 1) + offset,
                ),
                checked,
            )
            for offset, checked in enumerate(checked_uploads)
        ]
    for photo in stored:
        photo.refresh_from_db()  # eager processing may have finished at commit
    return PhotosAdded(stored, duplicates)


def listing_photos_relocate(*, listing_id: int) -> int:
    """Move the listing's photo files to the storage its status calls for (the task queued when
    it crosses the draft/published line); returns how many photos moved. Safe to run twice."""
    photo_ids = ListingPhoto.objects.filter(listing_id=listing_id).exclude(variants={})
    moved = photo_pipeline.photos_relocate(
        model=ListingPhoto, photo_ids=list(photo_ids.values_list("pk", flat=True))
    )
    if moved:  # the cards' cover addresses changed
        searches_changed(*Listing.objects.filter(pk=listing_id).values_list("city_id", flat=True))
    return moved


def listing_photo_ready(photo: ListingPhoto) -> None:
    """A photo is ready (and where it belongs), called by the photo pipeline (photos.hooks): it
    may be the listing's new cover."""
    searches_changed(*Listing.objects.filter(pk=photo.listing_id).values_list("city_id", flat=True))


def _queue_photos_relocation(listing_id: int) -> None:
    from listings.tasks import relocate_listing_photos

    transaction.on_commit(
        lambda: enqueue_or_leave_for_sweep(
            relocate_listing_photos, listing_id, what=f"moving the photos of listing {listing_id}"
        )
    )


def photo_update(*, photo: ListingPhoto, by: User, data: dict[str, Any]) -> ListingPhoto:
    _require_manager(photo.listing, by)
    with transaction.atomic():
        for name in ("caption", "position"):
            if name in data:
                setattr(photo, name, data[name])
        if data.get("is_cover"):
            photo.listing.photos.exclude(pk=photo.pk).filter(is_cover=True).update(is_cover=False)
            photo.is_cover = True
        elif "is_cover" in data:
            photo.is_cover = False
        photo.full_clean(exclude=["original"])
        # Only these fields: the caller's copy may predate the worker's variants.
        photo.save(update_fields=["caption", "position", "is_cover"])
        searches_changed(photo.listing.city_id)  # the cover may change
    return photo


@transaction.atomic
def photos_reorder(*, listing: Listing, by: User, photo_ids: list[int]) -> list[ListingPhoto]:
    _require_manager(listing, by)
    photos = {photo.pk: photo for photo in listing.photos.select_for_update()}
    if sorted(photo_ids) != sorted(photos):
        raise ValidationError(
            {"photos": _("List every photo of this listing exactly once, in the new order.")}
        )
    for position, photo_id in enumerate(photo_ids):
        photos[photo_id].position = position
    ListingPhoto.objects.bulk_update(photos.values(), ["position"])
    searches_changed(listing.city_id)  # the first photo is the cover unless one is chosen
    return [photos[photo_id] for photo_id in photo_ids]


@transaction.atomic
def photo_delete(*, photo: ListingPhoto, by: User) -> None:
    """The row goes now; its files go once that is committed."""
    _require_manager(photo.listing, by)
    current = ListingPhoto.objects.select_for_update().filter(pk=photo.pk).first()
    if current is None:
        return
    photo_pipeline.photo_files_delete_after_commit(
        current
    )  # the locked row names every variant a worker recorded
    current.delete()
    searches_changed(photo.listing.city_id)


@transaction.atomic
def photo_retry(*, photo: ListingPhoto, by: User) -> ListingPhoto:
    _require_manager(photo.listing, by)
    if photo.status == ListingPhoto.Status.READY:
        return photo
    photo.status = ListingPhoto.Status.PENDING
    photo.failure_reason = ""
    photo.attempts = 0
    photo.save(update_fields=["status", "failure_reason", "attempts"])
    photo_pipeline.photo_queue_processing(photo)
    return photo


# --- freshness ------------------------------------------------------------------------


def _expiry_cutoff(now):
    return now - timedelta(days=settings.LISTING_EXPIRY_DAYS)


def _reminder_cutoff(now):
    return now - timedelta(
        days=settings.LISTING_EXPIRY_DAYS - settings.LISTING_EXPIRY_REMINDER_DAYS
    )


@transaction.atomic
def listing_reconfirm(*, listing: Listing, by: User) -> Listing:
    """The agent says the flat is still for sale: an active one stays, an expired one is back."""
    _require_manager(listing, by)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status not in (Status.ACTIVE, Status.EXPIRED):
        raise ValidationError(
            {
                "status": _(
                    "Only an active or expired listing can be reconfirmed, not a %(status)s one."
                )
                % {"status": Status(listing.status).label}
            }
        )
    listing.status = Status.ACTIVE
    listing.confirmed_at = timezone.now()
    listing.left_market_at = None  # back on the market: days on market count on
    listing.full_clean()
    listing.save()
    searches_changed(listing.city_id)
    return listing


def listings_remind_expiring() -> int:
    """Tell agents about listings that expire within the reminder period; once per confirmation."""
    from notifications.models import Kind
    from notifications.services import notify

    now = timezone.now()
    with transaction.atomic():
        due = list(
            Listing.objects.active()
            .filter(confirmed_at__gt=_expiry_cutoff(now), confirmed_at__lte=_reminder_cutoff(now))
            .exclude(expiry_reminded_for=F("confirmed_at"))
            .select_related("agent")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
        )
        for listing in due:
            with translation.override(listing.agent.language):
                text = _("“%(title)s” leaves the market on %(date)s unless you reconfirm it.") % {
                    "title": listing.title,
                    "date": date_format(
                        timezone.localtime(listing.expires_at), "SHORT_DATE_FORMAT"
                    ),
                }
            notify(
                recipient=listing.agent,
                kind=Kind.LISTING_EXPIRING,
                subject=listing,
                text=text,
                link=reverse("admin:listings_listing_change", args=[listing.pk]),
                group_key=f"listing-expiring:{listing.agent_id}",
            )
            listing.expiry_reminded_for = listing.confirmed_at
        Listing.objects.bulk_update(due, ["expiry_reminded_for"])
    return len(due)


def listings_expire_stale() -> int:
    """Take off the market the active listings not reconfirmed in LISTING_EXPIRY_DAYS."""
    now = timezone.now()
    with transaction.atomic():
        stale = list(
            Listing.objects.active()
            .filter(confirmed_at__lte=_expiry_cutoff(now))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not stale:
            return 0
        # One statement; the filter again, so a listing reconfirmed meanwhile stays active.
        expiring = Listing.objects.filter(
            pk__in=stale, status=Status.ACTIVE, confirmed_at__lte=_expiry_cutoff(now)
        )
        cities = set(expiring.order_by().values_list("city_id", flat=True).distinct())
        expired = expiring.update(status=Status.EXPIRED, left_market_at=now, updated_at=now)
        if expired:
            searches_changed(*cities)
        return expired
