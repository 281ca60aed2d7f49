#!/usr/bin/env python
"""Benchmark of saved-search alerts: `alerts.tasks.match_saved_searches` on PostgreSQL.

Fills one database with --listings listings (the COPY fill of bench/listings_search.py) and
--searches saved searches as buyers make them (nearly all a city and a price cap; rooms,
district, area, elevator, heating, floor, condition, keywords, sort order less often) owned by
--buyers buyers, then times:

* a run with nothing new since the last one (the common case: every two minutes);
* runs after --changed active listings were published or changed since the last run
  (each run a fresh set, so every match is new).

Printed: seconds per run (median of --repeat runs), SQL queries per run, candidates (search
and listing pairs found by the searches' filter columns), matches (search match rows
inserted), notifications (one per search with new matches), and where a run's time goes. Emails are a worker's job and not part of a run: tasks are not run eagerly here.

    .venv/bin/python bench/saved_search_alerts.py --database-url postgres://postgres@127.0.0.1:5432/walkup_bench_alerts

The database is created if missing, migrated (rebuilt when migration files change) and
filled once; saved searches are made again when their number or the seed changes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.listings_search import (  # noqa: E402
    CITIES,
    ensure_database,
    fill,
    log,
    migrate,
    seed_reference_data,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/walkup_bench_alerts"
PRICE_CAPS = [30_000, 35_000, 40_000, 45_000, 50_000, 60_000, 70_000, 80_000, 100_000]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    p.add_argument("--listings", type=int, default=1_000_000)
    p.add_argument("--searches", type=int, default=100_000)
    p.add_argument("--buyers", type=int, default=40_000)
    p.add_argument("--with-city", type=float, default=0.97, help="share of searches naming a city")
    p.add_argument(
        "--with-price-cap", type=float, default=0.99, help="share of searches with a price cap"
    )
    p.add_argument("--changed", type=int, default=1_000, help="listings changed before a run")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--profile", action="store_true", help="cProfile one more run with changes")
    return p.parse_args(argv)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    import django

    django.setup()


def random_params(
    rng: random.Random, cities, districts_by_city, *, with_city=0.97, with_price_cap=0.99
) -> dict[str, str]:
    """What buyers save: nearly always a city and a price cap, often rooms or a district,
    sometimes more. (A search with alerts and no price cap hears of hundreds of flats a day.)"""
    params: dict[str, str] = {}
    city = rng.choices(cities, weights=[share for _slug, share in cities])[0][0]
    if rng.random() < with_city:
        params["city"] = city
        if rng.random() < 0.3:
            params["district"] = str(rng.choice(districts_by_city[city]))
    if rng.random() < with_price_cap:
        params["price_max"] = str(rng.choice(PRICE_CAPS))
        if rng.random() < 0.05:  # a figure of their own
            params["price_max"] = str(rng.randrange(25_000, 90_000, 1_000))
    if rng.random() < 0.1:
        params["price_min"] = str(rng.choice([10_000, 20_000, 30_000]))
    if rng.random() < 0.6:
        params["rooms"] = str(rng.choice([1, 2, 2, 3]))
    if rng.random() < 0.15:
        params["area_min"] = str(rng.choice([40, 50, 60]))
    if rng.random() < 0.1:
        params["has_elevator"] = "false"
    if rng.random() < 0.15:
        params["heating"] = "central"
    if rng.random() < 0.1:
        params["floor_max"] = str(rng.choice([3, 4, 5]))
    if rng.random() < 0.08:
        params["condition"] = rng.choice(["basic", "renovated"])
    if rng.random() < 0.03:
        params["q"] = rng.choice(["南北通透", "学区", "暖气"])
    if rng.random() < 0.3:
        params["ordering"] = rng.choice(["price", "-published_at", "price_per_m2"])
    return params


def make_saved_searches(args) -> None:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from alerts.models import SavedSearch
    from alerts.services import saved_search_columns
    from listings.models import District

    marker = f"{args.searches}:{args.buyers}:{args.seed}:{args.with_city}:{args.with_price_cap}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM _bench_meta WHERE key = 'saved_searches'")
        row = cursor.fetchone()
    if row and row[0] == marker and SavedSearch.objects.count() == args.searches:
        log(f"{args.searches:,} saved searches already there")
        return
    SavedSearch.objects.all().delete()
    User.objects.filter(username__startswith="bench_buyer_").delete()
    rng = random.Random(args.seed)
    buyers = User.objects.bulk_create(
        [
            User(
                username=f"bench_buyer_{n}",
                email=f"bench_buyer_{n}@example.com",
                password="!",  # noqa: S106 - unusable
                language=rng.choice(["zh-hans", "zh-hans", "en"]),
            )
            for n in range(args.buyers)
        ],
        batch_size=2_000,
    )
    cities = [(slug, share) for slug, _n, _zh, _p, _pz, _avg, share, _d in CITIES]
    districts_by_city = {
        slug: list(District.objects.filter(city__slug=slug).values_list("pk", flat=True))
        for slug, _share in cities
    }
    frequencies = ["instant"] * 5 + ["daily"] * 4 + ["none"]
    now = timezone.now()
    columns_by_params = {}  # the filter columns as the alerts services fill them, once per filters

    def columns(params):
        key = json.dumps(params, sort_keys=True)
        if key not in columns_by_params:
            columns_by_params[key] = saved_search_columns(params)
        return columns_by_params[key]

    searches = []
    for n in range(args.searches):
        params = random_params(
            rng,
            cities,
            districts_by_city,
            with_city=args.with_city,
            with_price_cap=args.with_price_cap,
        )
        searches.append(
            SavedSearch(
                user=rng.choice(buyers),
                name=f"Search {n}",
                params=params,
                frequency=rng.choice(frequencies),
                matched_until=now,
                **columns(params),
            )
        )
    SavedSearch.objects.bulk_create(searches, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO _bench_meta VALUES ('saved_searches', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [marker],
        )
        cursor.execute("ANALYZE alerts_savedsearch")
    log(f"made {args.searches:,} saved searches for {args.buyers:,} buyers")


def change_listings(rng: random.Random, count: int, now) -> None:
    """Publish or change `count` active listings now, as agents do between two runs."""
    from django.db import connection

    with connection.cursor() as cursor:
        # The last run's changes are old news (the next run's look-back would see them again).
        cursor.execute(
            "UPDATE listings_listing SET updated_at = updated_at - interval '1 day' "
            "WHERE updated_at > %s",
            [now - timedelta(hours=1)],
        )
        cursor.execute("SELECT max(id) FROM listings_listing")
        (max_id,) = cursor.fetchone()
        picked = rng.sample(range(1, max_id + 1), count * 2)
        cursor.execute(
            "UPDATE listings_listing SET updated_at = %s, confirmed_at = %s "
            "WHERE id IN (SELECT id FROM listings_listing WHERE id = ANY(%s) AND status = 'active' "
            "LIMIT %s)",
            [now, now, picked, count],
        )


def timed_run():
    from django.db import connection

    from alerts.tasks import match_saved_searches

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = match_saved_searches.apply().get()
        seconds = time.perf_counter() - started
    return seconds, queries, result


def profile_run() -> None:
    import cProfile
    import pstats

    from alerts.services import saved_searches_match

    profiler = cProfile.Profile()
    profiler.runcall(saved_searches_match)
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    print("\nWhere a run with changes spends its time (cumulative seconds, top functions):")
    stats.print_stats(r"alerts/services|django_filters/filterset|sql/compiler|execute", 14)


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.utils import timezone

    from alerts.models import MatchingMark, SavedSearch, SearchMatch
    from marketplace.celery import app as celery_app
    from notifications.models import Notification

    celery_app.conf.task_always_eager = False  # emails are the worker's; not timed here
    migrate(args.database_url)
    ctx = seed_reference_data()
    connection.close()
    with psycopg.connect(args.database_url, autocommit=True) as pg:
        fill(pg, args.listings, ctx)
        active = pg.execute(
            "SELECT count(*) FROM listings_listing WHERE status = 'active'"
        ).fetchone()[0]
    make_saved_searches(args)
    SearchMatch.objects.all().delete()
    Notification.objects.filter(kind="search_match").delete()

    rng = random.Random(args.seed)
    now = timezone.now()
    # Changes made by an earlier run of this script are old news: a day ago.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE listings_listing SET updated_at = updated_at - interval '1 day' "
            "WHERE updated_at > %s",
            [now - timedelta(days=1)],
        )
    SavedSearch.objects.update(matched_until=now - timedelta(minutes=2))
    MatchingMark.objects.all().delete()
    with connection.cursor() as cursor:  # runs no longer write to every search: no bloat
        cursor.execute("VACUUM ANALYZE alerts_savedsearch")
    log(
        f"{urlsplit(args.database_url).path[1:]}: {args.listings:,} listings ({active:,} active), "
        f"{args.searches:,} saved searches; load average {os.getloadavg()[0]:.2f}"
    )
    timed_run()  # warm up: connection, caches, plans

    idle, changed = [], []
    for _ in range(args.repeat):
        idle.append(timed_run())
    for _ in range(args.repeat):
        change_listings(rng, args.changed, timezone.now())
        changed.append(timed_run())

    def row(label, runs):
        seconds = statistics.median(run[0] for run in runs)
        queries = statistics.median(run[1] for run in runs)
        result = runs[-1][2]
        print(
            f"{label:<34} {seconds:>8.3f} {queries:>8.0f} {result['searches']:>9,} "
            f"{result['changed_listings']:>8,} "
            f"{statistics.median(run[2]['candidates'] for run in runs):>10,.0f} "
            f"{statistics.median(run[2]['matches'] for run in runs):>9,.0f} "
            f"{statistics.median(run[2]['notifications'] for run in runs):>13,.0f}"
        )

    print(
        f"\n{'run (median of ' + str(args.repeat) + ')':<34} {'seconds':>8} {'queries':>8} "
        f"{'searches':>9} {'changed':>8} {'candidates':>10} {'matches':>9} {'notifications':>13}"
    )
    row("nothing new since the last run", idle)
    row(f"{args.changed:,} listings changed", changed)
    print(
        "\nsearches: with alerts on; changed: changed listings that match at least one search; "
        "candidates: pairs found by the filter columns; notifications: searches with new matches."
    )
    if args.profile:
        change_listings(rng, args.changed, timezone.now())
        profile_run()
    log(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
