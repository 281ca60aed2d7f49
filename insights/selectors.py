"""Reads for the agent's dashboard and the city market pages."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights.models import ListingDailyViews
from listings import hooks
from listings.models import Listing
from marketplace.charts import LineChart, sparkline
from messaging.models import Conversation
from messaging.selectors import agent_median_response_seconds

SPARKLINE_DAYS = 30


# --- figures per listing (registered with listings.hooks in InsightsConfig.ready) --------------


def _count_of(model, *, where: Callable[[], dict] | None = None):
    """An annotation: how many rows of `model` point at the listing, in the listings query."""

    def annotate(listings: QuerySet, name: str) -> QuerySet:
        rows = model.objects.filter(listing=OuterRef("pk"), **(where() if where else {}))
        total = rows.order_by().values("listing").annotate(n=Count("pk")).values("n")
        return listings.annotate(
            **{name: Coalesce(Subquery(total, output_field=IntegerField()), 0)}
        )

    return annotate


def _views_since(days: int):
    """An annotation: the views of the last `days` days, today included, from the daily table."""

    def annotate(listings: QuerySet, name: str) -> QuerySet:
        first_day = timezone.localdate() - timedelta(days=days - 1)
        total = (
            ListingDailyViews.objects.filter(listing=OuterRef("pk"), day__gte=first_day)
            .order_by()
            .values("listing")
            .annotate(n=Sum("views"))
            .values("n")
        )
        return listings.annotate(
            **{name: Coalesce(Subquery(total, output_field=IntegerField()), 0)}
        )

    return annotate


@dataclass(frozen=True)
class Figure:
    name: str
    label: object
    make: Callable[[QuerySet, str], QuerySet]

    def annotate(self, listings: QuerySet) -> QuerySet:
        return self.make(listings, self.name)


LISTING_COUNTS = [
    Figure("views_7_days", _("Views, 7 days"), _views_since(7)),
    Figure("views_30_days", _("Views, 30 days"), _views_since(30)),
    Figure("conversation_count", _("Conversations"), _count_of(Conversation)),
]


# --- the agent's dashboard --------------------------------------------------------------------


@dataclass(frozen=True)
class ListingFigures:
    listing: Listing
    counts: list[tuple[str, object, int]]  # (name, label, value) for every registered count
    daily_views: list[tuple[date, int]]  # the last SPARKLINE_DAYS days, oldest first
    sparkline: LineChart


@dataclass(frozen=True)
class AgentStats:
    median_response_seconds: int | None
    page: Page
    rows: list[ListingFigures]
    count_labels: list[tuple[str, object]]


def agent_for_dashboard(user):
    """Only agents have a dashboard; anyone else gets a 404 (the view asks anonymous to log in)."""
    if not (user.is_authenticated and user.is_active and user.is_agent):
        raise Http404
    return user


def agent_listings(*, agent) -> QuerySet[Listing]:
    """The agent's listings still theirs to act on, about to expire first, with every figure."""
    listings = (
        Listing.objects.managed_by(agent)
        .exclude(status__in=[Listing.Status.SOLD, Listing.Status.WITHDRAWN])
        .select_related("city", "district")
        .only(
            "title",
            "status",
            "price",
            "published_at",
            "left_market_at",
            "confirmed_at",
            "agent_id",
            "city__slug",
            "city__name",
            "city__name_zh",
            "district__name",
            "district__name_zh",
        )
        .annotate(
            expiring=Case(
                When(status=Listing.Status.ACTIVE, confirmed_at__isnull=False, then=Value(0)),
                default=Value(1),
            )
        )
        .order_by("expiring", "confirmed_at", F("published_at").desc(nulls_last=True), "-id")
    )
    return hooks.with_listing_counts(listings)


def daily_views_for(listing_ids: list[int], *, days: int = SPARKLINE_DAYS) -> dict[int, list]:
    """Each listing's views per day over the last `days` days, zeros filled in: one query."""
    today = timezone.localdate()
    calendar = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    found = {
        (listing_id, day): views
        for listing_id, day, views in ListingDailyViews.objects.filter(
            listing_id__in=listing_ids, day__gte=calendar[0]
        ).values_list("listing_id", "day", "views")
    }
    return {
        listing_id: [(day, found.get((listing_id, day), 0)) for day in calendar]
        for listing_id in listing_ids
    }


def agent_stats(*, agent, page_number=None) -> AgentStats:
    """The dashboard: a page of listings with their figures, and the agent's response time."""
    paginator = Paginator(agent_listings(agent=agent), settings.INSIGHTS_DASHBOARD_PAGE_SIZE)
    page = paginator.get_page(page_number)
    listings = list(page.object_list)
    daily = daily_views_for([listing.pk for listing in listings])
    counts = hooks.listing_counts()
    rows = [
        ListingFigures(
            listing=listing,
            counts=[(count.name, count.label, getattr(listing, count.name)) for count in counts],
            daily_views=daily[listing.pk],
            sparkline=sparkline([views for _, views in daily[listing.pk]]),
        )
        for listing in listings
    ]
    return AgentStats(
        median_response_seconds=agent_median_response_seconds(agent.pk),
        page=page,
        rows=rows,
        count_labels=[(count.name, count.label) for count in counts],
    )


def round_half_up(value: float | None) -> int | None:
    return None if value is None else math.floor(value + 0.5)
