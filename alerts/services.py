import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.fields import IntegerField
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from alerts.models import SavedSearch, SearchMatch
from listings.filters import ListingFilterSet
from listings.models import Listing
from listings.templatetags.walkup import yuan
from marketplace.limits import lock_user
from notifications.models import Kind
from notifications.services import notification_build, notify_many

logger = logging.getLogger(__name__)

Frequency = SavedSearch.Frequency

# The search page's parameters that are filters (and its sort order); page and cursor are not.
SEARCH_PARAMS = tuple(ListingFilterSet.base_filters)
# Sorting changes no match, so searches differing only in it are matched together.
NOT_FOR_MATCHING = ("ordering",)
# Filter sets evaluated together in one UNION query; SQLite allows 500 per compound SELECT.
GROUPS_PER_QUERY = 200
INSERT_BATCH = 500


class SearchParamsError(ValidationError):
    """Some search parameters are not valid; `errors` maps each one to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            {"params": [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]}
        )


def search_params_clean(params) -> dict[str, str]:
    """The filters of a search as the search page reads them: known names with a value only,
    checked by the search page's own FilterSet. Raises SearchParamsError naming each bad one."""
    if not hasattr(params, "get"):
        raise SearchParamsError({"params": [_("Give the filters as names and values.")]})
    kept = {}
    for name in SEARCH_PARAMS:
        value = params.get(name)
        if value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise SearchParamsError({name: [_("Give one value as text or a number.")]})
        value = str(value).strip()
        if value:
            kept[name] = value
    filterset = ListingFilterSet(kept, queryset=Listing.objects.none())
    if not filterset.is_valid():
        raise SearchParamsError(
            {
                name: [str(message) for message in messages]
                for name, messages in filterset.errors.items()
            }
        )
    return kept


@transaction.atomic
def saved_search_create(*, user: User, name: str, params, frequency: str) -> SavedSearch:
    """Keep a search; only flats that come on the market (or change to match) after now alert."""
    if not user.is_authenticated:
        raise ValidationError(_("Log in to save a search."))
    # One at a time per person from here, so a burst of saves cannot pass the cap.
    lock_user(user)
    cap = settings.SAVED_SEARCHES_PER_BUYER
    if SavedSearch.objects.filter(user=user).count() >= cap:
        raise ValidationError(
            _(
                "You already keep %(count)d saved searches, the most one person may keep. "
                "Delete one you no longer need, then save this one."
            )
            % {"count": cap},
            code="too_many",
        )
    now = timezone.now()
    saved_search = SavedSearch(
        user=user,
        name=name.strip(),
        params=search_params_clean(params),
        frequency=frequency,
        matched_until=now,
    )
    saved_search.full_clean(exclude=["user"])
    saved_search.save()
    return saved_search


@transaction.atomic
def saved_search_update(*, saved_search: SavedSearch, data: dict[str, Any]) -> SavedSearch:
    if "name" in data:
        saved_search.name = data["name"].strip()
    if "frequency" in data:
        saved_search.frequency = data["frequency"]
    if "params" in data:
        new_params = search_params_clean(data["params"])
        if new_params != saved_search.params:
            # A different search: what already matches it now is not news.
            saved_search.params = new_params
            saved_search.matched_until = timezone.now()
    saved_search.full_clean(exclude=["user"])
    saved_search.save()
    return saved_search


def saved_search_delete(*, saved_search: SavedSearch) -> None:
    saved_search.delete()


# --- matching -------------------------------------------------------------------------


@dataclass
class MatchRun:
    searches: int = 0
    groups: int = 0
    changed_listings: int = 0
    matches: int = 0


def saved_searches_match() -> MatchRun:
    """Alert each saved search about active listings that newly match it, once per listing.

    A listing is new to a search when it was published, reconfirmed or changed (its
    `updated_at`) after the search was saved or last matched, and matches it now, by the search
    page's FilterSet. Each run looks ALERTS_MATCH_OVERLAP_SECONDS behind the last one, for
    transactions that committed late; SearchMatch's unique (search, listing) and an insert that
    returns only the rows it made mean overlapping or repeated runs never alert twice.
    """
    run_until = timezone.now()
    run = MatchRun()
    searches = _searches_with_alerts(run_until)
    run.searches = len(searches)
    earliest = min((search.window_start for search in searches), default=run_until)
    changed = Listing.objects.active().filter(updated_at__gt=earliest, updated_at__lte=run_until)
    if searches and changed.exists():
        groups = _group_by_filters(searches)
        run.groups = len(groups)
        candidates, run.changed_listings = _candidate_matches(groups, run_until)
        with transaction.atomic():
            created = _insert_new_matches(candidates, run_until)
            _notify(created, {search.pk: search for search in searches}, run_until)
            run.matches = len(created)
            _move_marks(run_until)
    else:
        _move_marks(run_until)
    return run


@dataclass
class _Search:
    pk: int
    user_id: int
    name: str
    frequency: str
    params: dict
    window_start: datetime


def _searches_with_alerts(run_until: datetime) -> list[_Search]:
    overlap = timedelta(seconds=settings.ALERTS_MATCH_OVERLAP_SECONDS)
    rows = (
        SavedSearch.objects.exclude(frequency=Frequency.NONE)
        .filter(created_at__lte=run_until)
        .values_list("pk", "user_id", "name", "frequency", "params", "created_at", "matched_until")
        .order_by("pk")
    )
    return [
        _Search(pk, user_id, name, frequency, params, max(created_at, matched_until - overlap))
        for pk, user_id, name, frequency, params, created_at, matched_until in rows
    ]


def _group_by_filters(searches: list[_Search]) -> list[tuple[dict, list[_Search]]]:
    groups: dict[str, tuple[dict, list[_Search]]] = {}
    for search in searches:
        filters = {k: v for k, v in search.params.items() if k not in NOT_FOR_MATCHING}
        key = json.dumps(filters, sort_keys=True)
        groups.setdefault(key, (filters, []))[1].append(search)
    return list(groups.values())


def _candidate_matches(groups, run_until: datetime) -> tuple[list[tuple[int, int]], int]:
    """(search id, listing id) pairs matching now, changed in each search's window; one UNION
    query per GROUPS_PER_QUERY distinct filter sets."""
    pairs, listings_seen = [], set()
    for offset in range(0, len(groups), GROUPS_PER_QUERY):
        batch = groups[offset : offset + GROUPS_PER_QUERY]
        arms = []
        for index, (filters, searches) in enumerate(batch, start=offset):
            since = min(search.window_start for search in searches)
            changed = Listing.objects.active().filter(
                updated_at__gt=since, updated_at__lte=run_until
            )
            filterset = ListingFilterSet(filters, queryset=changed)
            if not filterset.is_valid():  # e.g. a city since removed: nothing can match
                logger.info("Saved searches %s no longer valid: %s", filters, filterset.errors)
                continue
            arms.append(
                filterset.qs.order_by().values_list(
                    "pk", "updated_at", Value(index, output_field=IntegerField())
                )
            )
        if not arms:
            continue
        query = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
        for listing_id, updated_at, index in query:
            listings_seen.add(listing_id)
            pairs.extend(
                (search.pk, listing_id)
                for search in groups[index][1]
                if updated_at > search.window_start
            )
    return pairs, len(listings_seen)


def _insert_new_matches(pairs: list[tuple[int, int]], now: datetime) -> list[tuple[int, int]]:
    """Insert the pairs not yet recorded and return exactly those: another run inserting the
    same pair at the same time waits for this one, then inserts and returns nothing.

    INSERT ... ON CONFLICT DO NOTHING RETURNING, on PostgreSQL and SQLite 3.35+ alike (Django's
    bulk_create cannot say which rows it inserted). Only quoted identifiers from the model and
    placeholders go into the statement's text.
    """
    quote = connection.ops.quote_name
    meta = SearchMatch._meta
    table = quote(meta.db_table)
    search, listing = (quote(meta.get_field(name).column) for name in ("saved_search", "listing"))
    created = quote(meta.get_field("created_at").column)
    head = f"INSERT INTO {table} ({search}, {listing}, {created}) "
    tail = f" ON CONFLICT ({search}, {listing}) DO NOTHING RETURNING {search}, {listing}"
    created_at = connection.ops.adapt_datetimefield_value(now)
    inserted = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two arrays, one statement, however many pairs.
            cursor.execute(
                head + "SELECT unnest(%s::bigint[]), unnest(%s::bigint[]), %s" + tail,
                [[pair[0] for pair in pairs], [pair[1] for pair in pairs], created_at],
            )
            return [tuple(row) for row in cursor.fetchall()]
        for offset in range(0, len(pairs), INSERT_BATCH):
            batch = pairs[offset : offset + INSERT_BATCH]
            values = "VALUES " + ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                head + values + tail, [value for pair in batch for value in (*pair, created_at)]
            )
            inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted


def _notify(created: list[tuple[int, int]], searches: dict[int, _Search], now: datetime) -> None:
    if not created:
        return
    listings = Listing.objects.only("pk", "title", "price").in_bulk({pk for _s, pk in created})
    users = User.objects.only("pk", "language").in_bulk(
        {searches[search_id].user_id for search_id, _l in created}
    )
    texts = {}  # the sentence in each recipient language, translated once
    for user in users.values():
        if user.language not in texts:
            with translation.override(user.language):
                texts[user.language] = _("New flat for “%(search)s”: %(title)s, %(price)s")
    links = {pk: listing.get_absolute_url() for pk, listing in listings.items()}
    daily_email_at = next_daily_email_time(now)
    notifications = []
    for search_id, listing_id in sorted(created):
        search, listing = searches[search_id], listings[listing_id]
        user = users[search.user_id]
        daily = search.frequency == Frequency.DAILY
        text = texts[user.language] % {
            "search": search.name,
            "title": listing.title,
            "price": yuan(listing.price),
        }
        notifications.append(
            notification_build(
                recipient=user,
                kind=Kind.SEARCH_MATCH,
                subject=listing,
                text=text,
                link=links[listing_id],
                # Instant: the outbox gathers a burst per search; daily: one email per user.
                group_key=f"daily-alerts:{user.pk}" if daily else f"saved-search:{search.pk}",
                email_after=daily_email_at if daily else None,
            )
        )
    notify_many(notifications)


def next_daily_email_time(now: datetime) -> datetime:
    """The next ALERTS_DAILY_EMAIL_HOUR o'clock, local time (08:00 Beijing time by default)."""
    local = timezone.localtime(now)
    morning = local.replace(
        hour=settings.ALERTS_DAILY_EMAIL_HOUR, minute=0, second=0, microsecond=0
    )
    return morning if morning > local else morning + timedelta(days=1)


def _move_marks(run_until: datetime) -> None:
    SavedSearch.objects.filter(matched_until__lt=run_until).update(matched_until=run_until)


def search_summary(params: dict[str, str], *, city=None) -> str:
    """A short name for a search, offered when saving it: "Hegang · up to ¥50,000 · 2 rooms"."""
    from listings.models import City

    parts = []
    if params.get("city"):
        city = city or City.objects.filter(slug=params["city"]).first()
        parts.append(city.local_name if city else params["city"])
    if params.get("q"):
        parts.append(f"“{params['q']}”")
    low, high = params.get("price_min"), params.get("price_max")
    if low and high:
        parts.append(f"{yuan(low)}–{yuan(high)}")
    elif high:
        parts.append(_("up to %(price)s") % {"price": yuan(high)})
    elif low:
        parts.append(_("from %(price)s") % {"price": yuan(low)})
    if params.get("rooms"):
        parts.append(_("%(rooms)s rooms") % {"rooms": params["rooms"]})
    if params.get("area_min"):
        parts.append(_("from %(area)s m²") % {"area": params["area_min"]})
    return " · ".join(parts) or _("All flats")
