import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, IntegerField, Min, Q, Value
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from alerts.models import MatchingMark, SavedSearch, SearchMatch, search_url
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
    clean_params = search_params_clean(params)
    saved_search = SavedSearch(
        user=user,
        name=name.strip(),
        params=clean_params,
        frequency=frequency,
        matched_until=now,
        **saved_search_columns(clean_params),
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
            for column, value in saved_search_columns(new_params).items():
                setattr(saved_search, column, value)
    saved_search.full_clean(exclude=["user"])
    saved_search.save()
    return saved_search


# Filters the matching reads from SavedSearch's columns: filter name -> (column, its value
# in the FilterSet's cleaned data -> the column's). A listing satisfies a column when it is
# empty or when the listing's field compares to it as the FilterSet's filter does (see
# _column_conditions); test_prefilter_agrees_with_the_filterset holds the two together.
FILTER_COLUMNS = {
    "city": ("city_id", lambda city: city.pk),
    "district": ("district_id", lambda district: district.pk),
    "price_min": ("price_min", int),
    "price_max": ("price_max", int),
    "area_min": ("area_min", lambda area: area),
    "area_max": ("area_max", lambda area: area),
    "rooms": ("rooms", int),
    "price_per_m2_max": ("price_per_m2_max", int),
    "floor_max": ("floor_max", int),
    "has_elevator": ("has_elevator", lambda value: value == "true"),
    "heating": ("heating", str),
    "condition": ("condition", str),
}
BLANK_COLUMNS = {"heating": "", "condition": ""}  # text columns say "any" with ""


def saved_search_columns(params: dict[str, str]) -> dict[str, Any]:
    """The column values of a search's filters, as the search page's FilterSet reads them, and
    whether some filter is left for the FilterSet to check (keywords, a city since removed)."""
    columns: dict[str, Any] = {column: None for column, _convert in FILTER_COLUMNS.values()}
    columns.update(BLANK_COLUMNS)
    filterset = ListingFilterSet(params, queryset=Listing.objects.none())
    if not filterset.is_valid():
        return {**columns, "needs_filterset": True}
    cleaned = filterset.form.cleaned_data
    for name, (column, convert) in FILTER_COLUMNS.items():
        if cleaned.get(name) not in (None, ""):
            columns[column] = convert(cleaned[name])
    columns["needs_filterset"] = bool(_filters_left_for_filterset(params, columns))
    return columns


def _filters_left_for_filterset(params: dict[str, str], columns: dict[str, Any]) -> dict:
    """The filters of `params` that no column holds: the FilterSet checks candidates on them."""
    held = {
        name
        for name, (column, _convert) in FILTER_COLUMNS.items()
        if columns[column] not in (None, "")
    }
    return {
        name: value
        for name, value in params.items()
        if name not in held and name not in NOT_FOR_MATCHING
    }


def saved_search_delete(*, saved_search: SavedSearch) -> None:
    saved_search.delete()


# --- matching -------------------------------------------------------------------------


@dataclass
class MatchRun:
    searches: int = 0
    changed_listings: int = 0
    candidates: int = 0
    matches: int = 0
    notifications: int = 0


def saved_searches_match() -> MatchRun:
    """Alert each saved search about active listings that newly match it, once per listing,
    in one notification per search per run.

    A listing is new to a search when it was published, reconfirmed or changed (its
    `updated_at`) after the search was saved or last matched, and matches it now, by the search
    page's FilterSet. Matching goes from the changed listings to the searches: SavedSearch's
    filter columns find the candidates by index, and the FilterSet checks the filters no column
    holds. Each run looks ALERTS_MATCH_OVERLAP_SECONDS behind the last one, for transactions
    that committed late; SearchMatch's unique (search, listing) and an insert that returns only
    the rows it made mean overlapping or repeated runs never alert twice.
    """
    run_until = timezone.now()
    run = MatchRun()
    overlap = timedelta(seconds=settings.ALERTS_MATCH_OVERLAP_SECONDS)
    alerting = SavedSearch.objects.exclude(frequency=Frequency.NONE)
    marks = alerting.aggregate(searches=Count("pk"), earliest=Min("matched_until"))
    run.searches = marks["searches"]
    last_run = MatchingMark.objects.filter(pk=1).values_list("matched_until", flat=True).first()
    changed = []
    if run.searches:
        since = max(marks["earliest"], last_run - overlap) if last_run else marks["earliest"]
        changed = list(
            Listing.objects.active()
            .filter(updated_at__gt=since, updated_at__lte=run_until)
            .order_by("pk")
            .values("pk", *LISTING_FIELDS_FOR_COLUMNS)
        )
    if changed:
        listing_ids = [listing["pk"] for listing in changed]
        if _matches_recorded_in_database():
            with transaction.atomic():
                _record_in_database(run, listing_ids, now=run_until)
                _move_marks(run_until)
            return run
        candidates = _candidate_matches(alerting, changed)
        run.candidates = len(candidates)
        pairs = _confirmed_by_filterset(candidates)
        run.changed_listings = len({listing_id for _search_id, listing_id in pairs})
        with transaction.atomic():
            run.matches, run.notifications = search_matches_record(pairs, now=run_until)
            _move_marks(run_until)
    else:
        _move_marks(run_until)
    return run


def search_matches_record(pairs: list[tuple[int, int]], *, now: datetime) -> tuple[int, int]:
    """Record (search id, listing id) matches; the new ones, never seen by their search before,
    go out as one notification per search. Returns (new matches, notifications)."""
    created = _insert_new_matches(pairs, now)
    new_by_search: dict[int, list[int]] = {}
    for search_id, listing_id in sorted(created):
        new_by_search.setdefault(search_id, []).append(listing_id)
    news = {
        search_id: (len(listing_ids), listing_ids[:ALERT_ITEMS])
        for search_id, listing_ids in new_by_search.items()
    }
    return len(created), _notify(news, now)


def _matches_recorded_in_database() -> bool:
    """PostgreSQL finds, records and groups the matches in one statement; elsewhere (SQLite)
    the pairs go through Python. Both make the same rows (tests/alerts/test_matching.py)."""
    return connection.vendor == "postgresql"


# How a listing satisfies a filter column (empty: any): column, lookup on the column, the
# listing's field. The lookups are the FilterSet's, turned round: price_max's `price <= cap`
# is `cap >= price`.
COLUMN_TESTS = [
    ("district_id", "exact", "district_id"),
    ("price_min", "lte", "price"),
    ("area_min", "lte", "area_m2"),
    ("area_max", "gte", "area_m2"),
    ("rooms", "exact", "rooms"),
    ("price_per_m2_max", "gte", "price_per_m2"),
    ("floor_max", "gte", "floor"),
    ("has_elevator", "exact", "has_elevator"),
    ("heating", "exact", "heating"),
    ("condition", "exact", "condition"),
]
LISTING_FIELDS_FOR_COLUMNS = (
    "updated_at",
    "city_id",
    "price",
    *(field for _column, _lookup, field in COLUMN_TESTS),
)
# Listings whose searches are found in one UNION query; SQLite allows 500 per compound SELECT.
LISTINGS_PER_QUERY = 200


def _column_conditions(listing: dict[str, Any]) -> Q:
    """The searches whose filter columns `listing` satisfies. City and price cap are spelled
    out case by case so that each case is one range of the (city, price_max) index."""
    city, price = listing["city_id"], listing["price"]
    conditions = (
        Q(city=city, price_max__gte=price)
        | Q(city=city, price_max=None)
        | Q(city=None, price_max__gte=price)
        | Q(city=None, price_max=None)
    )
    for column, lookup, field in COLUMN_TESTS:
        empty = BLANK_COLUMNS.get(column)
        conditions &= Q(**{column: empty}) | Q(**{f"{column}__{lookup}": listing[field]})
    return conditions


def _candidate_matches(alerting, changed: list[dict]) -> list[tuple]:
    """(search id, listing id, whether the FilterSet must check it) for each changed listing
    and each search whose columns it satisfies, changed since that search was saved or its
    filters changed (the run's window, ALERTS_MATCH_OVERLAP_SECONDS behind the last run,
    bounds `changed`)."""
    candidates = []
    for offset in range(0, len(changed), LISTINGS_PER_QUERY):
        arms = [
            alerting.filter(
                _column_conditions(listing),
                created_at__lt=listing["updated_at"],
                matched_until__lt=listing["updated_at"],
            )
            .order_by()
            .values_list(
                "pk", Value(listing["pk"], output_field=BigIntegerField()), "needs_filterset"
            )
            for listing in changed[offset : offset + LISTINGS_PER_QUERY]
        ]
        query = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
        candidates.extend(query)
    return candidates


def _confirmed_by_filterset(candidates: list[tuple]) -> list[tuple[int, int]]:
    """The candidates that match: all of those the columns hold entirely, and those of the
    other searches that the FilterSet finds among them, on the filters no column holds."""
    pairs = [(search_id, listing_id) for search_id, listing_id, check in candidates if not check]
    to_check = [(search_id, listing_id) for search_id, listing_id, check in candidates if check]
    if not to_check:
        return pairs
    columns = [column for column, _convert in FILTER_COLUMNS.values()]
    searches = SavedSearch.objects.filter(pk__in={search_id for search_id, _l in to_check})
    left_by_search = {
        row["pk"]: _filters_left_for_filterset(row["params"], row)
        for row in searches.values("pk", "params", *columns)
    }
    key_by_search = {  # once per search, not per candidate (tens of thousands)
        search_id: json.dumps(filters, sort_keys=True)
        for search_id, filters in left_by_search.items()
    }
    groups: dict[str, tuple[dict, set[int]]] = {}
    for search_id, listing_id in to_check:
        key = key_by_search[search_id]
        groups.setdefault(key, (left_by_search[search_id], set()))[1].add(listing_id)
    matching = _listings_matching(list(groups.items()))
    pairs.extend(
        (search_id, listing_id)
        for search_id, listing_id in to_check
        if listing_id in matching.get(key_by_search[search_id], set())
    )
    return pairs


def _listings_matching(groups: list[tuple[str, tuple[dict, set[int]]]]) -> dict[str, set[int]]:
    """For each distinct set of filters, which of its candidate listings the FilterSet keeps:
    one UNION query per GROUPS_PER_QUERY sets."""
    matching: dict[str, set[int]] = {}
    for offset in range(0, len(groups), GROUPS_PER_QUERY):
        batch = groups[offset : offset + GROUPS_PER_QUERY]
        arms = []
        for index, (_key, (filters, listing_ids)) in enumerate(batch, start=offset):
            filterset = ListingFilterSet(
                filters, queryset=Listing.objects.filter(pk__in=listing_ids)
            )
            if not filterset.is_valid():  # e.g. a city since removed: nothing can match
                logger.info("Saved searches %s no longer valid: %s", filters, filterset.errors)
                continue
            arms.append(
                filterset.qs.order_by().values_list("pk", Value(index, output_field=IntegerField()))
            )
        if not arms:
            continue
        query = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
        for listing_id, index in query:
            matching.setdefault(groups[index][0], set()).add(listing_id)
    return matching


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


# The column tests' lookups in SQL, the search's column on the left as in _column_conditions.
SQL_COMPARISONS = {"exact": "=", "lte": "<=", "gte": ">="}


def _candidate_pairs_sql(*, needs_filterset: bool) -> tuple[str, list]:
    """The (search_id, listing_id) pairs of the listings given as the array parameter that
    ends `params` and the alerting searches whose filter columns they satisfy: the SQL of
    _column_conditions and _candidate_matches, for PostgreSQL, with the searches that need
    the FilterSet's check or those that do not. Each listing reads the searches of its city
    and of no city through the (city, price_max) index, a range per arm.

    Only quoted identifiers from the models and placeholders go into the statement's text.
    """
    quote = connection.ops.quote_name

    def search(name):
        return "s." + quote(SavedSearch._meta.get_field(name).column)

    def listing(name):
        return "l." + quote(Listing._meta.get_field(name).column)

    conditions = [
        f"NOT ({search('frequency')} = %s)",
        f"{search('needs_filterset')} = %s",
        f"{search('created_at')} < {listing('updated_at')}",
        f"{search('matched_until')} < {listing('updated_at')}",
    ]
    params: list[Any] = [Frequency.NONE, needs_filterset]
    for column, lookup, field in COLUMN_TESTS:
        if column in BLANK_COLUMNS:
            empty = f"{search(column)} = %s"
            params.append(BLANK_COLUMNS[column])
        else:
            empty = f"{search(column)} IS NULL"
        conditions.append(
            f"({empty} OR {search(column)} {SQL_COMPARISONS[lookup]} {listing(field)})"
        )
    city, price_max = search("city"), search("price_max")
    arms = [
        (f"{city} = {listing('city')}", f"{price_max} >= {listing('price')}"),
        (f"{city} = {listing('city')}", f"{price_max} IS NULL"),
        (f"{city} IS NULL", f"{price_max} >= {listing('price')}"),
        (f"{city} IS NULL", f"{price_max} IS NULL"),
    ]
    searches_table = quote(SavedSearch._meta.db_table)
    union = " UNION ALL ".join(
        f"SELECT s.{quote('id')} FROM {searches_table} s WHERE "  # noqa: S608 - see above
        + " AND ".join([*arm, *conditions])
        for arm in arms
    )
    sql = (
        f"SELECT found.{quote('id')} AS search_id, l.{quote('id')} AS listing_id "  # noqa: S608
        f"FROM {quote(Listing._meta.db_table)} l CROSS JOIN LATERAL ({union}) found "
        f"WHERE {listing('status')} = %s AND l.{quote('id')} = ANY(%s::bigint[])"
    )
    return sql, [*params * len(arms), Listing.Status.ACTIVE]


def _record_in_database(run: MatchRun, listing_ids: list[int], *, now: datetime) -> None:
    """Find, record and group the matches of the changed listings in PostgreSQL: one
    INSERT ... SELECT from the candidate query, its RETURNING grouped by search (how many new,
    the first ALERT_ITEMS), so the hundreds of thousands of pairs never travel to Python and
    back. Only the candidates of searches with filters no column holds (keywords) come out
    first, for the FilterSet's check. Fills `run`."""
    checked_sql, checked_params = _candidate_pairs_sql(needs_filterset=True)
    with connection.cursor() as cursor:
        # The planner's cost for a thousand listings' index scans is far above jit_above_cost:
        # compiling took 4.5 s of a 9.8 s candidate query at 100,000 searches, for nothing.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(checked_sql, [*checked_params, listing_ids])
        to_check = [(search_id, listing_id, True) for search_id, listing_id in cursor.fetchall()]
    confirmed = _confirmed_by_filterset(to_check)

    quote = connection.ops.quote_name
    meta = SearchMatch._meta
    table = quote(meta.db_table)
    search, listing = (quote(meta.get_field(name).column) for name in ("saved_search", "listing"))
    created = quote(meta.get_field("created_at").column)
    candidates_sql, candidates_params = _candidate_pairs_sql(needs_filterset=False)
    sql = (
        f"WITH candidates AS ({candidates_sql}), "  # noqa: S608 - identifiers and placeholders
        "matching AS (SELECT search_id, listing_id FROM candidates UNION ALL "
        "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS checked(search_id, listing_id)), "
        f"recorded AS (INSERT INTO {table} ({search}, {listing}, {created}) "
        "SELECT search_id, listing_id, %s FROM matching ORDER BY search_id, listing_id "
        f"ON CONFLICT ({search}, {listing}) DO NOTHING RETURNING {search}, {listing}) "
        "SELECT counted.candidates, counted.listings, news.search_id, news.matches, news.first "
        "FROM (SELECT (SELECT count(*) FROM candidates), count(DISTINCT listing_id) "
        "FROM matching) AS counted(candidates, listings) "
        f"LEFT JOIN (SELECT {search}, count(*), (array_agg({listing} ORDER BY {listing}))[1:%s] "
        f"FROM recorded GROUP BY {search}) AS news(search_id, matches, first) ON true"
    )
    params = [
        *candidates_params,
        listing_ids,
        [pair[0] for pair in confirmed],
        [pair[1] for pair in confirmed],
        connection.ops.adapt_datetimefield_value(now),
        ALERT_ITEMS,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    news = {
        search_id: (matches, first)
        for _candidates, _listings, search_id, matches, first in rows
        if search_id is not None
    }
    run.candidates = rows[0][0] + len(to_check)
    run.changed_listings = rows[0][1]
    run.matches = sum(matches for matches, _first in news.values())
    run.notifications = _notify(news, now)


def _notify(news: dict[int, tuple[int, list[int]]], now: datetime) -> int:
    """One notification per search with new matches: how many, and the first few of them
    (`news`: search id -> (how many new, the first ALERT_ITEMS listing ids))."""
    if not news:
        return 0
    searches = _rows_by_pk(
        SavedSearch.objects.all(), news, ("pk", "user_id", "name", "frequency", "params")
    )
    users = _rows_by_pk(
        User.objects.all(), {search["user_id"] for search in searches.values()}, ("pk", "language")
    )
    shown = {pk for _count, listing_ids in news.values() for pk in listing_ids}
    items = {
        listing.pk: {
            "text": f"{listing.title}, {yuan(listing.price)}",
            "link": listing.get_absolute_url(),
        }
        for listing in Listing.objects.only("pk", "title", "price").filter(pk__in=shown)
    }
    daily_email_at = next_daily_email_time(now)
    texts = _AlertTexts()
    search_page = reverse("listings:search")
    notifications = []
    for search_id, (count, listing_ids) in sorted(news.items()):
        search = searches[search_id]
        user_id = search["user_id"]
        language = users[user_id]["language"]
        daily = search["frequency"] == Frequency.DAILY
        notifications.append(
            notification_build(
                recipient=user_id,
                kind=Kind.SEARCH_MATCH,
                subject=(SavedSearch, search_id),
                text=texts.get(language, count) % {"count": count, "search": search["name"]},
                link=search_url(search["params"], page=search_page),
                items=[items[pk] for pk in listing_ids],
                # Instant: the outbox gathers a burst per search; daily: one email per user.
                group_key=f"daily-alerts:{user_id}" if daily else f"saved-search:{search_id}",
                email_after=daily_email_at if daily else None,
            )
        )
    notify_many(notifications)
    return len(notifications)


# New flats an alert names (title, price and link); the rest are behind its search link.
ALERT_ITEMS = 3


class _AlertTexts:
    """ "5 new flats match “…”" in each recipient's language, translated once per count."""

    def __init__(self):
        self._texts: dict[tuple[str, int], str] = {}

    def get(self, language: str, count: int) -> str:
        if (language, count) not in self._texts:
            with translation.override(language):
                self._texts[language, count] = ngettext(
                    "%(count)d new flat matches “%(search)s”",
                    "%(count)d new flats match “%(search)s”",
                    count,
                )
        return self._texts[language, count]


def _rows_by_pk(queryset, pks, fields) -> dict[int, dict]:
    """Rows by primary key for many keys, in as many queries as the database's limit on
    parameters asks."""
    pks = sorted(pks)
    size = min(connection.features.max_query_params or 20_000, 20_000) - 1
    rows = {}
    for offset in range(0, len(pks), size):
        for row in queryset.filter(pk__in=pks[offset : offset + size]).values(*fields):
            rows[row["pk"]] = row
    return rows


def next_daily_email_time(now: datetime) -> datetime:
    """The next ALERTS_DAILY_EMAIL_HOUR o'clock, local time (08:00 Beijing time by default)."""
    local = timezone.localtime(now)
    morning = local.replace(
        hour=settings.ALERTS_DAILY_EMAIL_HOUR, minute=0, second=0, microsecond=0
    )
    return morning if morning > local else morning + timedelta(days=1)


def _move_marks(run_until: datetime) -> None:
    moved = MatchingMark.objects.filter(pk=1, matched_until__lt=run_until).update(
        matched_until=run_until
    )
    if not moved:
        MatchingMark.objects.get_or_create(pk=1, defaults={"matched_until": run_until})


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
