"""Reads for the agent's workbench in the admin: the listing list, and what needs doing today.

The admin shows these; the rule of who sees what is `Listing.objects.managed_by`, as everywhere.
Counts that other apps own (unread conversations, saves) come through `hooks.with_listing_counts`.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from listings import hooks
from listings.models import Listing, ListingPhoto

Status = Listing.Status
SOON_DAYS = 5  # "expires in N days" is highlighted below this
WEEK = timedelta(days=7)
TODO_SHOWN = 8  # items per group on the index; the rest behind a link


def _confirmed_before_expiring_within(days: int, now=None):
    """Active listings confirmed this long ago leave the market within `days` days."""
    now = now or timezone.now()
    return now - timedelta(days=settings.LISTING_EXPIRY_DAYS) + timedelta(days=days)


def expiring_within(days: int) -> Q:
    return Q(status=Status.ACTIVE, confirmed_at__lte=_confirmed_before_expiring_within(days))


def _failed_photos():
    return ListingPhoto.objects.filter(listing=OuterRef("pk"), status=ListingPhoto.Status.FAILED)


def listings_for_workbench(*, user) -> QuerySet[Listing]:
    """The listings the user manages, with their cover, counts and an `attention` rank, most in
    need of their agent first: buyers waiting, then expired or expiring this week, failed photos,
    drafts, the rest on the market, then the ones off it. One query whatever the page size."""
    listings = (
        Listing.objects.managed_by(user)
        .select_related("city", "district", "agent")
        .with_cover()
        .annotate(has_failed_photos=Exists(_failed_photos()))
        .annotate(
            attention=Case(
                When(Q(status=Status.EXPIRED) | expiring_within(7), then=Value(0)),
                When(has_failed_photos=True, then=Value(1)),
                When(status=Status.DRAFT, then=Value(2)),
                When(status=Status.ACTIVE, then=Value(3)),
                When(status=Status.RESERVED, then=Value(4)),
                default=Value(5),
                output_field=models.IntegerField(),
            )
        )
    )
    return hooks.with_listing_counts(listings)


def workbench_ordering() -> list[str]:
    urgent = [f"-{count.name}" for count in hooks.listing_counts() if count.urgent]
    return [*urgent, "attention", "confirmed_at", "-id"]


def days_left(listing: Listing, *, now=None) -> int | None:
    """Whole days until an active listing leaves the market (0: within a day), or None."""
    expires_at = listing.expires_at
    if expires_at is None:
        return None
    return max(0, (expires_at - (now or timezone.now())).days)


# --- what needs doing today (hooks.register_todo_provider) ---------------------------------


def _changelist(**query) -> str:
    url = reverse("admin:listings_listing_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def expiring_listings_todo(user) -> hooks.TodoGroup | None:
    """Active listings leaving the market within a week, soonest first, and expired ones."""
    listings = Listing.objects.managed_by(user).filter(expiring_within(7)).order_by("confirmed_at")
    shown = list(listings.only("pk", "title", "status", "confirmed_at")[: TODO_SHOWN + 1])
    if not shown:
        return None
    items = [
        hooks.TodoItem(
            text=_("Reconfirm “%(title)s”") % {"title": listing.title},
            link=reverse("admin:listings_listing_change", args=[listing.pk]),
            when=listing.expires_at,
            overdue=listing.expires_at - timezone.now() < timedelta(days=SOON_DAYS),
        )
        for listing in shown[:TODO_SHOWN]
    ]
    more = listings.count() - TODO_SHOWN if len(shown) > TODO_SHOWN else 0
    return hooks.TodoGroup(
        title=_("Listings expiring this week"),
        items=items,
        more=more,
        more_link=_changelist(status__exact=Status.ACTIVE),
    )


def failed_photos_todo(user) -> hooks.TodoGroup | None:
    """Photos the pipeline gave up on: the agent retries them or takes them again."""
    managed = Listing.objects.managed_by(user)
    photos = (
        ListingPhoto.objects.filter(listing__in=managed, status=ListingPhoto.Status.FAILED)
        .select_related("listing")
        .only("pk", "created_at", "listing__title", "failure_reason")
        .order_by("-created_at", "-id")
    )
    shown = list(photos[: TODO_SHOWN + 1])
    if not shown:
        return None
    photo_list = reverse("admin:listings_listingphoto_changelist")
    items = [
        hooks.TodoItem(
            text=_("A photo of “%(title)s” failed: %(reason)s")
            % {"title": photo.listing.title, "reason": photo.failure_reason or "—"},
            link=reverse("admin:listings_listingphoto_change", args=[photo.pk]),
            when=photo.created_at,
            overdue=True,
        )
        for photo in shown[:TODO_SHOWN]
    ]
    more = photos.count() - TODO_SHOWN if len(shown) > TODO_SHOWN else 0
    return hooks.TodoGroup(
        title=_("Photos that failed"),
        items=items,
        more=more,
        more_link=f"{photo_list}?{urlencode({'status__exact': ListingPhoto.Status.FAILED})}",
    )
