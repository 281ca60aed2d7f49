#!/usr/bin/env python
"""Benchmark of the listings search API against a hand-written floor.

Fills PostgreSQL with N listings (COPY, incrementally: 100k first, then 900k more
for 1M), then for five typical searches measures, in one run:

* requests per second and p50/p95 of GET /api/v1/listings/?... through the full
  Django stack (WSGI handler -> middleware -> DRF view -> filterset -> keyset
  pagination -> serializer -> JSON renderer), in-process;
* the same page served by a raw psycopg 3 query + orjson (the "floor");
* page 1 against a deep page (following the API's `next` keyset cursors);
* SQL queries per request at page_size=5 and page_size=50;
* page 1 at the smallest size against the largest size.

Run from the project root:

    .venv/bin/python bench/listings_search.py --quick      # 10k and 100k, ~1.5 minutes
    .venv/bin/python bench/listings_search.py              # 100k and 1M, ~4 minutes

Each size gets its own database named after --database-url: walkup_bench_100k and
walkup_bench_1m by default (the larger one starts as a copy of the smaller, plus the
missing rows). Only those databases are written to; they are rebuilt when the migration
files change.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import io
import json
import math
import os
import pstats
import random
import statistics
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
import psycopg  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/walkup_bench"
PAGE_SIZE = 20  # settings.LISTINGS_PAGE_SIZE; checked at start-up
BLOCK = 10_000  # rows per deterministic random block
BASE_TIME = datetime(2025, 11, 1, tzinfo=UTC)  # "now" of the generated data

GOALS = {
    "rps": 0.5,  # API requests/s >= 0.5 x floor requests/s
    "p95": 2.5,  # API p95 <= 2.5 x floor p95
    "size": 1.15,  # page 1 at the largest size <= 1.15 x page 1 at the smallest size
    "deep": 1.3,  # deep page <= 1.3 x page 1
    "queries": 3,  # SQL queries per request, at any page size
}
GOAL_PAGE_OVER_API = 1.5  # the search page's p95 <= 1.5 x the API's, same search (issue 14)


# --------------------------------------------------------------------------- data

# slug, name, name_zh, province, province_zh, average yuan/m2, share of listings, districts
CITIES = [
    (
        "hegang",
        "Hegang",
        "鹤岗",
        "Heilongjiang",
        "黑龙江",
        2152,
        0.35,
        [
            ("Xiangyang", "向阳区", 1.15),
            ("Gongnong", "工农区", 1.10),
            ("Nanshan", "南山区", 0.95),
            ("Xing'an", "兴安区", 0.85),
            ("Dongshan", "东山区", 0.90),
            ("Xingshan", "兴山区", 0.80),
        ],
    ),
    (
        "qiqihar",
        "Qiqihar",
        "齐齐哈尔",
        "Heilongjiang",
        "黑龙江",
        3900,
        0.25,
        [
            ("Longsha", "龙沙区", 1.20),
            ("Jianhua", "建华区", 1.10),
            ("Tiefeng", "铁锋区", 1.00),
            ("Ang'angxi", "昂昂溪区", 0.75),
            ("Fularji", "富拉尔基区", 0.80),
            ("Nianzishan", "碾子山区", 0.70),
            ("Meilisi", "梅里斯达斡尔族区", 0.70),
        ],
    ),
    (
        "jixi",
        "Jixi",
        "鸡西",
        "Heilongjiang",
        "黑龙江",
        2900,
        0.15,
        [
            ("Jiguan", "鸡冠区", 1.15),
            ("Hengshan", "恒山区", 0.90),
            ("Didao", "滴道区", 0.85),
            ("Lishu", "梨树区", 0.80),
            ("Chengzihe", "城子河区", 0.85),
            ("Mashan", "麻山区", 0.75),
        ],
    ),
    (
        "shuangyashan",
        "Shuangyashan",
        "双鸭山",
        "Heilongjiang",
        "黑龙江",
        2600,
        0.12,
        [
            ("Jianshan", "尖山区", 1.15),
            ("Lingdong", "岭东区", 0.85),
            ("Sifangtai", "四方台区", 0.85),
            ("Baoshan", "宝山区", 0.90),
            ("Jixian", "集贤县", 0.80),
        ],
    ),
    (
        "yichun",
        "Yichun",
        "伊春",
        "Heilongjiang",
        "黑龙江",
        2400,
        0.13,
        [
            ("Yimei", "伊美区", 1.15),
            ("Wucui", "乌翠区", 0.95),
            ("Youhao", "友好区", 0.90),
            ("Jinlin", "金林区", 0.80),
            ("Tieli", "铁力市", 0.95),
            ("Jiayin", "嘉荫县", 0.75),
            ("Tangwang", "汤旺县", 0.75),
            ("Fenglin", "丰林县", 0.75),
        ],
    ),
]
AGENTS_PER_CITY = 8
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
]
AGENCIES = ["链家", "我爱我家", "鹤城房产", "北方置业", "龙江地产", "安居房屋"]
COMMUNITIES = [
    "幸福",
    "和平",
    "矿工",
    "光明",
    "新华",
    "红旗",
    "松鹤",
    "建设",
    "友谊",
    "东风",
    "阳光",
    "富力",
]
ROADS = ["解放", "南山", "胜利", "团结", "工农", "新兴", "红军", "园林"]
PHRASES = [
    "南北通透，采光好。",
    "老小区，邻居和善，生活方便。",
    "步行五分钟到菜市场和超市。",
    "附近有小学和中学。",
    "集中供暖，冬天室温二十度以上。",
    "房子需要简单装修，价格可谈。",
    "产权清晰，随时可以过户。",
    "楼下有公交站。",
    "适合退休养老或远程办公。",
    "小区安静，绿化不错。",
    "家具家电可以留下。",
    "房东诚心出售，看房方便。",
    "墙面地面需要重新处理。",
    "厨房卫生间是原装。",
    "离医院很近。",
    "周边生活配套齐全，物业费低。",
]


def _weighted(rng_random, cumulative, items):
    x = rng_random()
    for threshold, item in zip(cumulative, items, strict=False):
        if x < threshold:
            return item
    return items[-1]


def _cumulative(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [c / total for c in out]


COPY_COLUMNS = (
    "title, description, community_name, street_address, price, area_m2, rooms, floor, "
    "total_floors, has_elevator, heating, heating_fee_per_m2, condition, year_built, "
    "has_ownership_certificate, status, published_at, created_at, updated_at, agent_id, "
    "city_id, district_id, property_fee_per_m2_month, seller_taxes_paid_by, seller_owned_since, "
    "seller_only_home"
)  # price_per_m2 is GENERATED ALWAYS ... STORED: PostgreSQL computes it.

FLOORS_CUM = _cumulative([2, 3, 5, 30, 35, 10, 3, 4, 4, 4])
FLOORS = [2, 3, 4, 5, 6, 7, 9, 11, 18, 26]
HEATING_CUM = _cumulative([80, 10, 5, 5])
HEATING = ["central", "gas_boiler", "electric", "none"]
CONDITION_CUM = _cumulative([60, 30, 10])
CONDITION = ["needs_renovation", "basic", "renovated"]
STATUS_CUM = _cumulative([85, 4, 2, 6, 3])
STATUS = ["active", "draft", "reserved", "sold", "withdrawn"]
TWO_YEARS = 730 * 86400


def generate_block(block: int, ctx) -> list[str]:
    """COPY text lines for rows block*BLOCK .. block*BLOCK+BLOCK-1, always the same for a block."""
    rng = random.Random(f"walkup-bench-{block}")
    # What the total cost reads (listings.costs) comes from a stream of its own, so the other
    # columns are the same rows as before it existed.
    cost_random = random.Random(f"walkup-bench-costs-{block}").random
    r, gauss, randint, choice, choices = rng.random, rng.gauss, rng.randint, rng.choice, rng.choices
    city_cum, cities = ctx["city_cum"], ctx["cities"]
    lines = []
    for _ in range(BLOCK):
        city_id, avg, districts, agents = _weighted(r, city_cum, cities)
        district_id, district_zh, mult = choice(districts)
        area = rng.triangular(35.0, 110.0, 60.0)
        if area < 45:
            rooms = 1 if r() < 0.7 else 2
        elif area < 75:
            rooms = 2 if r() < 0.75 else (1 if r() < 0.3 else 3)
        else:
            rooms = 3 if r() < 0.7 else (2 if r() < 0.6 else 4)
        ppm2 = avg * mult * math.exp(gauss(0.0, 0.3) - 0.045)
        price = max(8000, round(area * ppm2 / 100.0) * 100)
        total = _weighted(r, FLOORS_CUM, FLOORS)
        elevator = (total >= 8 and r() < 0.95) or (total < 8 and r() < 0.02)
        floor_no = randint(1, total)
        heating = _weighted(r, HEATING_CUM, HEATING)
        fee = f"{20 + r() * 15:.2f}" if heating == "central" else "\\N"
        condition = _weighted(r, CONDITION_CUM, CONDITION)
        year = str(randint(1975, 2016)) if r() < 0.9 else "\\N"
        cert = "t" if r() < 0.7 else "f"
        status = _weighted(r, STATUS_CUM, STATUS)
        if status == "draft":
            created = BASE_TIME - timedelta(seconds=r() * TWO_YEARS)
            published = "\\N"
            updated = created + timedelta(seconds=r() * 86400)
        else:
            pub = BASE_TIME - timedelta(seconds=r() * TWO_YEARS)
            created = pub - timedelta(seconds=r() * 3 * 86400)
            published = pub.isoformat()
            updated = min(BASE_TIME, pub + timedelta(seconds=r() * 30 * 86400))
        community = choice(COMMUNITIES) + "小区"
        title = f"{district_zh}{community} {rooms}室 {area:.0f}㎡ {floor_no}/{total}层"
        description = "".join(choices(PHRASES, k=randint(4, 9)))
        street = f"{district_zh}{choice(ROADS)}路{randint(1, 300)}号"
        property_fee = f"{0.3 + cost_random() * 0.6:.2f}" if cost_random() < 0.85 else "\\N"
        paid_by = "buyer" if cost_random() < 0.4 else "each"
        owned_since = (
            (BASE_TIME - timedelta(seconds=cost_random() * 10 * 365 * 86400)).date().isoformat()
            if cost_random() < 0.85
            else "\\N"
        )
        only_home = "t" if cost_random() < 0.6 else "f"
        lines.append(
            f"{title}\t{description}\t{community}\t{street}\t{price}\t{area:.2f}\t{rooms}\t"
            f"{floor_no}\t{total}\t{'t' if elevator else 'f'}\t{heating}\t{fee}\t{condition}\t"
            f"{year}\t{cert}\t{status}\t{published}\t{created.isoformat()}\t{updated.isoformat()}\t"
            f"{choice(agents)}\t{city_id}\t{district_id}\t{property_fee}\t{paid_by}\t"
            f"{owned_since}\t{only_home}\n"
        )
    return lines


# --------------------------------------------------------------------------- setup


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    p.add_argument(
        "--sizes", default=None, help="comma-separated listing counts (default 100000,1000000)"
    )
    p.add_argument(
        "--requests",
        type=int,
        default=None,
        help="timed requests per search and case (default 200)",
    )
    p.add_argument(
        "--warmup", type=int, default=None, help="untimed requests per search first (default 30)"
    )
    p.add_argument(
        "--deep-page", type=int, default=50, help="page number of the deep page (default 50)"
    )
    p.add_argument(
        "--quick", action="store_true", help="sizes 10000,100000 and 60 requests: a smoke run"
    )
    p.add_argument(
        "--keep-debug",
        action="store_true",
        help="leave settings.DEBUG on while timing (Django then logs every query)",
    )
    p.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of every search at the end"
    )
    p.add_argument(
        "--profile", action="store_true", help="cProfile the slowest search at the largest size"
    )
    p.add_argument("--no-experiments", action="store_true", help="skip the experiments table")
    p.add_argument("--no-fill", action="store_true", help="measure whatever the database holds")
    p.add_argument(
        "--redis-url",
        default=None,
        help="the cache in this Redis (as in production) rather than in local memory; the "
        "search cache's rows then measure Redis round trips",
    )
    p.add_argument(
        "--cache-only",
        action="store_true",
        help="only the search cache and search page table (largest size), not the main tables",
    )
    p.add_argument(
        "--api-only",
        action="store_true",
        help="only the main tables, the goals and where a request goes: no total-cost, search "
        "cache or search page tables (the page's full COUNT(*) takes seconds a request at 1M)",
    )
    p.add_argument(
        "--no-full-count",
        action="store_true",
        help="leave out the search page with the full COUNT(*) it had before (seconds a request "
        "at 1M; most of the search page table's time)",
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help="the tiniest run, only to check that the script works (tests/bench): sizes 200,1000, "
        "2 requests, no warm-up, page 2 as the deep page, every repeated measurement once",
    )
    args = p.parse_args(argv)
    # How often breakdown, EXPLAIN ANALYZE and the experiments repeat: once for --smoke.
    args.repeat = 1 if args.smoke else None
    if args.smoke:
        args.sizes = args.sizes or "200,1000"
        args.requests = args.requests or 2
        args.warmup = args.warmup or 0
        args.deep_page = 2
    if args.sizes is None:
        args.sizes = "10000,100000" if args.quick else "100000,1000000"
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.requests is None:
        args.requests = 60 if args.quick else 200
    if args.warmup is None:
        args.warmup = 10 if args.quick else 30
    return args


def size_label(size: int) -> str:
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def url_with_db(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + dbname))


def admin_connection(url: str):
    last_error = None
    for maintenance_db in ("postgres", "template1"):
        try:
            return psycopg.connect(url_with_db(url, maintenance_db), autocommit=True)
        except psycopg.OperationalError as exc:
            last_error = exc
    raise SystemExit(f"cannot reach PostgreSQL at {url}: {last_error}")


def ensure_database(url: str, template: str | None = None) -> None:
    """Create the database of `url` if missing (as a copy of `template` if given)."""
    dbname = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if exists and template:
            conn.execute(f'DROP DATABASE "{dbname}"')
        if not exists or template:
            conn.execute(
                f'CREATE DATABASE "{dbname}"' + (f' TEMPLATE "{template}"' if template else "")
            )
            log(f"created database {dbname}" + (f" from {template}" if template else ""))


def database_state(url: str) -> tuple[bool, bool, int]:
    """(exists, built from the current migration files, listings it holds)."""
    dbname = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            return False, False, 0
    with psycopg.connect(url, autocommit=True) as pg:
        if not pg.execute("SELECT to_regclass('_bench_meta') IS NOT NULL").fetchone()[0]:
            return True, False, 0
        row = pg.execute("SELECT value FROM _bench_meta WHERE key = 'migrations'").fetchone()
        fresh = row is not None and row[0] == migrations_fingerprint()
        count = listing_count(pg) if fresh else 0
    return True, fresh, count


def use_db(dbname: str) -> None:
    """Point Django's default connection at another database (reconnects on next use)."""
    from django.db import connection

    if connection.settings_dict["NAME"] != dbname:
        connection.close()
        connection.settings_dict["NAME"] = dbname


@dataclass
class Target:
    size: int
    dbname: str
    url: str
    floor: Floor | None = None


def prepare_targets(args) -> list[Target]:
    """One database per size, e.g. walkup_bench_100k and walkup_bench_1m, filled incrementally.

    A larger size starts as a copy (CREATE DATABASE ... TEMPLATE) of the next smaller one and
    gets only the missing rows. Keeping every size in its own database lets the measurements
    alternate between sizes, so a change in machine load cannot pass for a size effect.
    """
    from django.db import connection

    base = urlsplit(args.database_url).path.lstrip("/")
    targets: list[Target] = []
    for size in sorted(set(args.sizes)):
        dbname = f"{base}_{size_label(size)}"
        url = url_with_db(args.database_url, dbname)
        if args.no_fill:
            exists, fresh, count = database_state(url)
            if not exists or not fresh:
                raise SystemExit(f"--no-fill: {dbname} is missing or stale; run without --no-fill")
            targets.append(Target(count, dbname, url))
            continue
        exists, fresh, count = database_state(url)
        template = None
        if targets and (not exists or not fresh or count > size or count < targets[-1].size):
            template = targets[-1].dbname
            connection.close()  # CREATE DATABASE ... TEMPLATE needs the template unused
        ensure_database(url, template)
        use_db(dbname)
        migrate(url)
        ctx = seed_reference_data()
        connection.close()
        with psycopg.connect(url, autocommit=True) as pg:
            seconds = fill(pg, size, ctx)
        if seconds:
            log(f"{dbname}: filled to {size:,} listings in {seconds:.1f}s")
        targets.append(Target(size, dbname, url))
    return targets


def setup_django(args) -> None:
    base = urlsplit(args.database_url).path.lstrip("/")
    os.environ["DATABASE_URL"] = url_with_db(
        args.database_url, f"{base}_{size_label(min(args.sizes))}"
    )
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)  # local-memory cache, eager Celery
    # The main tables measure the computed answer; the cache section turns the cache on.
    os.environ["SEARCH_CACHE_SECONDS"] = "0"
    # Persistent connections as in production (the DEBUG default of 0 reconnects every request).
    os.environ.setdefault("CONN_MAX_AGE", "600")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    import django

    django.setup()
    from django.conf import settings

    global PAGE_SIZE
    PAGE_SIZE = settings.LISTINGS_PAGE_SIZE
    if not args.keep_debug:
        # settings.DEBUG is read per query by Django's cursor wrapper: with it off, query
        # logging costs nothing while timing. CaptureQueriesContext still counts queries.
        settings.DEBUG = False
    warnings.filterwarnings("ignore", module="whitenoise")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def migrations_fingerprint() -> str:
    """A hash of the project's migration files: they are still edited in place at times."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        if ".venv" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def migrate(database_url: str) -> None:
    """Migrate; start from an empty schema if the migration files changed since the last run.

    A migration edited in place (0001_initial regenerated, say) is not re-applied by `migrate`,
    and the benchmark would measure a stale schema.
    """
    from django.core.management import call_command
    from django.db import connection

    fingerprint = migrations_fingerprint()
    with psycopg.connect(database_url, autocommit=True) as pg:
        pg.execute("CREATE TABLE IF NOT EXISTS _bench_meta (key text PRIMARY KEY, value text)")
        row = pg.execute("SELECT value FROM _bench_meta WHERE key = 'migrations'").fetchone()
        has_tables = pg.execute("SELECT to_regclass('django_migrations') IS NOT NULL").fetchone()[0]
        if has_tables and (row is None or row[0] != fingerprint):
            log("migration files changed since this database was built: dropping its tables")
            connection.close()
            pg.execute("DROP SCHEMA public CASCADE")
            pg.execute("CREATE SCHEMA public")
            pg.execute("CREATE TABLE _bench_meta (key text PRIMARY KEY, value text)")
    call_command("migrate", interactive=False, verbosity=0)
    with psycopg.connect(database_url, autocommit=True) as pg:
        pg.execute(
            "INSERT INTO _bench_meta VALUES ('migrations', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [fingerprint],
        )


def seed_reference_data() -> dict:
    """Cities, districts and agents (idempotent). Returns what the row generator needs."""
    from accounts.models import User
    from accounts.services import user_make_agent
    from listings.models import City, District

    rng = random.Random("walkup-bench-agents")
    cities = []
    for slug, name, name_zh, province, province_zh, avg, share, districts in CITIES:
        city, _ = City.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "province": province,
                "province_zh": province_zh,
            },
        )
        district_rows = []
        for d_name, d_zh, mult in districts:
            district, _ = District.objects.get_or_create(
                city=city, name=d_name, defaults={"name_zh": d_zh}
            )
            district_rows.append((district.pk, d_zh, mult))
        agent_ids = []
        for n in range(AGENTS_PER_CITY):
            username = f"bench_agent_{slug}_{n}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name=rng.choice(GIVEN) + rng.choice(GIVEN),
                    last_name=rng.choice(SURNAMES),
                )
                user.set_unusable_password()
                user.save()
                profile = user_make_agent(user=user, agency_name=f"{name_zh}{rng.choice(AGENCIES)}")
                profile.verified = rng.random() < 0.7
                profile.phone = f"139{rng.randint(10_000_000, 99_999_999)}"
                profile.fee_percent = Decimal(rng.choice(["1.00", "1.50", "2.00"]))
                profile.save(update_fields=["verified", "phone", "fee_percent"])
                profile.cities_served.add(city)
            agent_ids.append(user.pk)
        cities.append(((city.pk, avg, district_rows, agent_ids), share))
    return {"cities": [c for c, _ in cities], "city_cum": _cumulative([s for _, s in cities])}


def listing_count(pg) -> int:
    return pg.execute("SELECT count(*) FROM listings_listing").fetchone()[0]


def fill(pg, target: int, ctx) -> float:
    """Bring listings_listing to exactly `target` rows; returns seconds spent."""
    started = time.perf_counter()
    have = listing_count(pg)
    if have == target:
        log(f"database already holds {target:,} listings")
        return 0.0
    if have > target:
        log(f"{have:,} listings > {target:,}: truncating and refilling")
        pg.execute("TRUNCATE listings_listing RESTART IDENTITY CASCADE")
        have = 0
    adding = target - have
    rebuild = adding >= 50_000
    log(
        f"adding {adding:,} listings to {have:,} with COPY{' (indexes rebuilt after)' if rebuild else ''}"
    )
    with pg.transaction():
        pg.execute(
            "SET LOCAL session_replication_role = replica"
        )  # skip FK triggers: ids are known good
        pg.execute("SET LOCAL maintenance_work_mem = '512MB'")
        index_defs = []
        if rebuild:
            index_defs = pg.execute(
                """
                SELECT c.relname, pg_get_indexdef(c.oid)
                FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                WHERE x.indrelid = 'listings_listing'::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
                """
            ).fetchall()
            for name, _ in index_defs:
                pg.execute(f'DROP INDEX "{name}"')
        with (
            pg.cursor() as cur,
            cur.copy(f"COPY listings_listing ({COPY_COLUMNS}) FROM STDIN") as copy,
        ):
            first_block, last_block = have // BLOCK, (target - 1) // BLOCK
            for block in range(first_block, last_block + 1):
                lines = generate_block(block, ctx)
                lo = max(have - block * BLOCK, 0)
                hi = min(target - block * BLOCK, BLOCK)
                copy.write("".join(lines[lo:hi]))
        copied = time.perf_counter()
        log(f"  copied in {copied - started:.1f}s")
        for _name, definition in index_defs:
            pg.execute(definition)
        if index_defs:
            log(f"  rebuilt {len(index_defs)} indexes in {time.perf_counter() - copied:.1f}s")
    t = time.perf_counter()
    pg.execute("VACUUM (ANALYZE) listings_listing")
    for table in ("listings_city", "listings_district", "accounts_user", "accounts_agentprofile"):
        pg.execute(f"ANALYZE {table}")
    log(f"  VACUUM ANALYZE in {time.perf_counter() - t:.1f}s")
    assert listing_count(pg) == target
    return time.perf_counter() - started


# --------------------------------------------------------------------------- searches


@dataclass
class Search:
    label: str
    params: dict
    where: str  # SQL on alias l, %(name)s placeholders taken from sql_params
    sql_params: dict
    sort: str  # column of listings_listing
    desc: bool

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def ordering_key(self) -> str:
        return ("-" if self.desc else "") + self.sort


CITY_ID = "l.city_id = (SELECT id FROM listings_city WHERE slug = %(city)s)"

SEARCHES = [
    Search(
        "1 hegang, newest", {"city": "hegang"}, CITY_ID, {"city": "hegang"}, "published_at", True
    ),
    Search(
        "2 hegang <=50k no lift, cheapest",
        {"city": "hegang", "price_max": "50000", "has_elevator": "false", "ordering": "price"},
        f"{CITY_ID} AND l.price <= %(price_max)s AND l.has_elevator = false",
        {"city": "hegang", "price_max": 50000},
        "price",
        False,
    ),
    Search(
        "3 all <=2500/m2, cheapest/m2",
        {"price_per_m2_max": "2500", "ordering": "price_per_m2"},
        "l.price_per_m2 <= %(ppm2)s",
        {"ppm2": 2500},
        "price_per_m2",
        False,
    ),
    Search(
        "4 hegang 2rm 40-70m2, newest",
        {
            "city": "hegang",
            "rooms": "2",
            "area_min": "40",
            "area_max": "70",
            "ordering": "-published_at",
        },
        f"{CITY_ID} AND l.rooms = %(rooms)s AND l.area_m2 >= %(area_min)s AND l.area_m2 <= %(area_max)s",
        {"city": "hegang", "rooms": 2, "area_min": Decimal("40"), "area_max": Decimal("70")},
        "published_at",
        True,
    ),
    Search(
        "5 qiqihar floor<=3, priciest",
        {"city": "qiqihar", "floor_max": "3", "ordering": "-price"},
        f"{CITY_ID} AND l.floor <= %(floor_max)s",
        {"city": "qiqihar", "floor_max": 3},
        "price",
        True,
    ),
]


# --------------------------------------------------------------------------- the API side


class Api:
    """Calls the WSGI application the way gunicorn would, minus the socket."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        self.app = WSGIHandler()

    def get(self, path_and_query: str, accept: str = "application/json") -> bytes:
        path, _, query = path_and_query.partition("?")
        status = []
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": accept,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        result = self.app(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            body = b"".join(result)
        finally:
            result.close()  # fires request_finished, as a WSGI server does
        if not status or not status[0].startswith("200"):
            raise RuntimeError(f"GET {path_and_query} -> {status}: {body[:500]!r}")
        return body


def api_url(search: Search, **extra) -> str:
    params = dict(search.params, **extra)
    return "/api/v1/listings/?" + urlencode(params)


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# --------------------------------------------------------------------------- the floor

FLOOR_SQL = """
SELECT l.id, l.title, c.slug, c.name, c.name_zh, d.id, d.name, d.name_zh, l.price, l.area_m2,
       l.price_per_m2, l.rooms, l.floor, l.total_floors, l.has_elevator, l.heating, l.condition,
       l.year_built, l.status, l.published_at, u.id, u.first_name, u.last_name, u.username,
       p.agency_name, p.verified
FROM listings_listing l
JOIN listings_city c ON c.id = l.city_id
JOIN listings_district d ON d.id = l.district_id
JOIN accounts_user u ON u.id = l.agent_id
LEFT JOIN accounts_agentprofile p ON p.user_id = u.id
WHERE l.status = 'active' AND {where}{after}
ORDER BY l.{sort} {direction}, l.id {direction}
LIMIT {limit}
"""


def _display_name(first: str, last: str, username: str) -> str:
    """accounts.User.display_name: Chinese names family name first, no space."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in last + first):
        return f"{last}{first}"
    return f"{first} {last}".strip() or username


class Floor:
    """The same page with no framework: one hand-written query, dicts, orjson."""

    def __init__(self, url: str):
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute("SET TIME ZONE 'Asia/Shanghai'")  # what DRF renders datetimes in
        self.sql = {}

    def statement(self, search: Search, keyset: bool) -> str:
        key = (search.label, keyset)
        if key not in self.sql:
            op = "<" if search.desc else ">"
            after = (
                f" AND (l.{search.sort}, l.id) {op} (%(after_value)s, %(after_id)s)"
                if keyset
                else ""
            )
            self.sql[key] = FLOOR_SQL.format(
                where=search.where,
                after=after,
                sort=search.sort,
                direction="DESC" if search.desc else "ASC",
                limit=PAGE_SIZE + 1,
            )
        return self.sql[key]

    def page(self, search: Search, after=None) -> tuple[bytes, tuple | None]:
        params = dict(search.sql_params)
        if after is not None:
            params["after_value"], params["after_id"] = after
        rows = self.conn.execute(self.statement(search, after is not None), params).fetchall()
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        results = [
            {
                "id": r[0],
                "title": r[1],
                "city": {"slug": r[2], "name": r[4] or r[3]},
                "district": {"id": r[5], "name": r[7] or r[6]},
                "price": r[8],
                "area_m2": float(r[9]),
                "price_per_m2": r[10],
                "rooms": r[11],
                "floor": r[12],
                "total_floors": r[13],
                "has_elevator": r[14],
                "heating": r[15],
                "condition": r[16],
                "year_built": r[17],
                "status": r[18],
                "published_at": r[19],
                "agent": {
                    "id": r[20],
                    "name": _display_name(r[21], r[22], r[23]),
                    "agency": r[24],
                    "verified": bool(r[25]),
                },
            }
            for r in rows
        ]
        next_link = next_after = None
        if more and rows:
            last = results[-1]
            value = last[search.sort]
            next_after = (value, last["id"])
            payload = {"d": "n", "o": search.ordering_key, "v": value, "id": last["id"]}
            token = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
            next_link = f"http://127.0.0.1/api/v1/listings/?{search.query}&cursor={token}"
        body = orjson.dumps({"next": next_link, "previous": None, "results": results})
        return body, next_after

    def explain(self, sql: str, params=None) -> str:
        rows = self.conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
        return "\n".join(r[0] for r in rows)


# --------------------------------------------------------------------------- measuring


@dataclass
class Timings:
    samples: list = field(default_factory=list)  # wall-clock seconds per request
    cpu: list = field(
        default_factory=list
    )  # this process's CPU seconds per request (PostgreSQL excluded)

    @property
    def cpu_mean(self):
        return statistics.fmean(self.cpu)

    @property
    def mean(self):
        return statistics.fmean(self.samples)

    @property
    def p50(self):
        return statistics.median(self.samples)

    @property
    def p95(self):
        s = sorted(self.samples)
        return s[max(0, math.ceil(0.95 * len(s)) - 1)]

    @property
    def rps(self):
        return 1.0 / self.mean


@dataclass
class SearchResult:
    search: Search
    api: Timings
    floor: Timings
    api_deep: Timings
    floor_deep: Timings
    deep_page: int
    orm_queries: dict  # page_size -> count of ORM queries
    pg_statements: dict  # page_size -> statements psycopg sent (ORM + connection health check)
    parity: str
    page1_sql: str = ""
    deep_sql: str = ""


@contextmanager
def count_pg_statements():
    """Counts every statement any psycopg cursor sends, including Django's health-check SELECT 1."""
    counter = [0]
    original = psycopg.Cursor.execute

    def execute(self, *args, **kwargs):
        counter[0] += 1
        return original(self, *args, **kwargs)

    psycopg.Cursor.execute = execute
    try:
        yield counter
    finally:
        psycopg.Cursor.execute = original


def listing_query(captured) -> str:
    for q in captured:
        if 'FROM "listings_listing"' in q["sql"] and "LIMIT" in q["sql"]:
            return q["sql"]
    return ""


def compare_pages(api_body: bytes, floor_body: bytes) -> str:
    a, f = orjson.loads(api_body), orjson.loads(floor_body)
    if [r["id"] for r in a["results"]] != [r["id"] for r in f["results"]]:
        return "DIFFERENT ROWS"
    if a["results"] != f["results"]:
        for ra, rf in zip(a["results"], f["results"], strict=False):
            for k in ra:
                if ra[k] != rf.get(k):
                    return f"field {k} differs: {ra[k]!r} vs {rf.get(k)!r}"
        return "different JSON"
    return "same"


def measure_search(
    api: Api, targets: list[Target], search: Search, args
) -> dict[int, SearchResult]:
    """One search at every size; the timed requests alternate between sizes in blocks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prepared = {}
    for target in targets:
        use_db(target.dbname)
        floor = target.floor
        # Walk to the deep page along the API's own `next` links, and the floor's keyset.
        url1 = api_url(search)
        first = api.get(url1)
        floor_first, after = floor.page(search)
        parity = compare_pages(first, floor_first)
        deep_url, deep_page, body = url1, 1, first
        floor_after_deep = None
        while deep_page < args.deep_page:
            nxt = orjson.loads(body)["next"]
            if not nxt or after is None:
                break
            deep_url = relative(nxt)
            body = api.get(deep_url)
            floor_after_deep = after
            _floor_body, after = floor.page(search, after)
            deep_page += 1
        if deep_page > 1:
            deep_parity = compare_pages(body, floor.page(search, floor_after_deep)[0])
            if deep_parity != "same":
                parity = f"{parity}; deep page: {deep_parity}"

        # Queries per request, separately from timing.
        orm_queries, pg_statements = {}, {}
        for page_size in (5, PAGE_SIZE, 50):
            counts = []
            for url in (api_url(search, page_size=page_size), deep_url + f"&page_size={page_size}"):
                with count_pg_statements() as stmts, CaptureQueriesContext(connection) as ctx:
                    api.get(url)
                counts.append((len(ctx.captured_queries), stmts[0]))
            orm_queries[page_size] = max(c[0] for c in counts)
            pg_statements[page_size] = max(c[1] for c in counts)
        with CaptureQueriesContext(connection) as ctx:
            api.get(url1)
        page1_sql = listing_query(ctx.captured_queries)
        with CaptureQueriesContext(connection) as ctx:
            api.get(deep_url)
        deep_sql = listing_query(ctx.captured_queries)

        cases = [
            (lambda u=url1: api.get(u)),
            (lambda f=floor: f.page(search)),
            (lambda u=deep_url: api.get(u)),
            (lambda f=floor, a=floor_after_deep: f.page(search, a)),
        ]
        for _ in range(args.warmup):
            for case in cases:
                case()
        prepared[target.size] = {
            "cases": cases,
            "timings": [Timings() for _ in cases],
            "result": {
                "deep_page": deep_page,
                "orm_queries": orm_queries,
                "pg_statements": pg_statements,
                "parity": parity,
                "page1_sql": page1_sql,
                "deep_sql": deep_sql,
            },
        }

    # Timing: the four cases interleaved request by request, the sizes block by block.
    per_block = args.requests if len(targets) == 1 else max(5, min(25, args.requests // 4))
    blocks = math.ceil(args.requests / per_block)
    perf, cpu = time.perf_counter, time.process_time
    gc.collect()
    for block in range(blocks):
        order = targets if block % 2 == 0 else targets[::-1]
        for target in order:
            use_db(target.dbname)
            p = prepared[target.size]
            for _ in range(3):  # a fresh connection after switching databases
                for case in p["cases"]:
                    case()
            n = min(per_block, args.requests - block * per_block)
            for _ in range(n):
                for case, t in zip(p["cases"], p["timings"], strict=True):
                    start, start_cpu = perf(), cpu()
                    case()
                    t.samples.append(perf() - start)
                    t.cpu.append(cpu() - start_cpu)
    return {
        size: SearchResult(search, *p["timings"], **p["result"]) for size, p in prepared.items()
    }


def breakdown(search: Search, reps: int = 100) -> dict:
    """Where the time of one page-1 request goes, measured piece by piece in-process."""
    from django.db import connection
    from django.http import QueryDict
    from rest_framework.renderers import JSONRenderer

    from listings.filters import ListingFilterSet
    from listings.models import Listing
    from listings.serializers import ListingListSerializer

    data = QueryDict(search.query)
    perf = time.perf_counter

    def timed(fn):
        fn()
        samples = []
        for _ in range(reps):
            t = perf()
            fn()
            samples.append(perf() - t)
        return statistics.median(samples)

    def filtered():
        fs = ListingFilterSet(data=data, queryset=Listing.objects.active().with_card_relations())
        fs.is_valid()
        return fs.qs

    qs = filtered()
    sql, params = qs[: PAGE_SIZE + 1].query.sql_with_params()
    rows = list(qs[: PAGE_SIZE + 1])[:PAGE_SIZE]
    payload = {
        "next": "x",
        "previous": None,
        "results": ListingListSerializer(rows, many=True).data,
    }

    def raw_sql():
        with connection.cursor() as c:
            c.execute(sql, params)
            c.fetchall()

    return {
        "filterset (+city lookup)": timed(filtered),
        "listing SQL, raw rows": timed(raw_sql),
        "listing SQL + model instances": timed(lambda: list(qs[: PAGE_SIZE + 1])),
        "serializer .data": timed(lambda: ListingListSerializer(rows, many=True).data),
        "JSONRenderer": timed(lambda: JSONRenderer().render(payload)),
    }


def plan_times(floor: Floor, sql: str, params=None, runs: int = 7) -> tuple[float, float]:
    plans, execs = [], []
    for _ in range(runs):
        doc = floor.conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params).fetchone()[0]
        doc = doc if isinstance(doc, list) else json.loads(doc)
        plans.append(doc[0]["Planning Time"])
        execs.append(doc[0]["Execution Time"])
    return statistics.median(plans), statistics.median(execs)


def experiments(api: Api, floor: Floor, results: list[SearchResult], args) -> None:
    """Page 1 four ways, to size what stands in the way (this process only; app code untouched):

    * API as configured;
    * API with DATABASES OPTIONS server_side_binding=True, prepare_threshold=5 (prepared
      statements). PostgreSQL keeps choosing custom plans for them, so planning is not skipped; and
      forcing generic plans (plan_cache_mode=force_generic_plan) is a disaster: Django then sends
      status='active' as a parameter, so a generic plan cannot use the partial indexes;
    * bench/lean.py: same filterset and middleware, values_list + dicts + orjson instead of model
      instances + DRF serializer + DRF renderer (and no DRF view);
    * the lean view with prepared statements.

    Blocks of requests alternate between the configurations (reconnecting in between) so all of
    them see the same machine load.
    """
    from django.conf import settings
    from django.db import connection

    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved_options, saved_urlconf = dict(options), settings.ROOT_URLCONF
    db_modes = {
        "default": saved_options,
        "prepared": {**saved_options, "server_side_binding": True, "prepare_threshold": 5},
    }
    cases = [("API", "default"), ("API", "prepared"), ("lean", "default"), ("lean", "prepared")]
    floor_cases = [("floor", "default"), ("floor", "unprepared")]
    timings = {r.search.label: {case: Timings() for case in cases + floor_cases} for r in results}
    floor_unprepared = Floor(floor.url)
    floor_unprepared.conn.prepare_threshold = None  # plans every time, as Django does
    parity = {}
    blocks = args.repeat or 8
    per_block = args.repeat or max(5, args.requests // blocks)
    perf, cpu = time.perf_counter, time.process_time
    settings.ROOT_URLCONF = "bench.lean"
    try:
        for _ in range(blocks):
            for db_mode, opts in db_modes.items():
                options.clear()
                options.update(opts)
                connection.close()
                for r in results:
                    if db_mode == "default":
                        for f, case in (
                            (floor, floor_cases[0]),
                            (floor_unprepared, floor_cases[1]),
                        ):
                            t = timings[r.search.label][case]
                            for _ in range(per_block):
                                start, start_cpu = perf(), cpu()
                                f.page(r.search)
                                t.samples.append(perf() - start)
                                t.cpu.append(cpu() - start_cpu)
                    for kind in ("API", "lean"):
                        url = api_url(r.search)
                        if kind == "lean":
                            url = url.replace("/api/v1/listings/", "/bench/lean-listings/")
                            if r.search.label not in parity:
                                parity[r.search.label] = compare_pages(
                                    api.get(url), api.get(api_url(r.search))
                                )
                        for _ in range(6):  # past psycopg's prepare threshold
                            api.get(url)
                        t = timings[r.search.label][(kind, db_mode)]
                        for _ in range(per_block):
                            start, start_cpu = perf(), cpu()
                            api.get(url)
                            t.samples.append(perf() - start)
                            t.cpu.append(cpu() - start_cpu)
    finally:
        settings.ROOT_URLCONF = saved_urlconf
        options.clear()
        options.update(saved_options)
        connection.close()
    rows = []
    for r in results:
        t = timings[r.search.label]
        row = [r.search.label]
        for case in cases + floor_cases:
            row.append(f"{ms(t[case].p50)} / {ms(t[case].cpu_mean)}")
        best_lean = min(t[("lean", "default")].mean, t[("lean", "prepared")].mean)
        row.append(f"{t[('floor', 'default')].mean / best_lean:.2f}")
        rows.append(row)
    floor_unprepared.conn.close()
    print(
        "=== experiments at the largest size: page 1, p50 / mean Python CPU (ms); blocks alternated"
    )
    print_table(
        [
            "search",
            "API",
            "API+prepared",
            "lean view",
            "lean+prepared",
            "floor",
            "floor unprepared",
            "best lean rps / floor rps",
        ],
        rows,
    )
    for label, result in parity.items():
        if result != "same":
            print(f"  ! lean view differs from the API for {label}: {result}")
    print(
        "  prepared = DATABASES OPTIONS server_side_binding=True, prepare_threshold=5 (PostgreSQL still "
        "chooses custom plans).\n  floor unprepared = the floor with prepare_threshold=None: it plans "
        "every query, as Django does.\n  lean view = "
        "bench/lean.py:\n  same ListingFilterSet and middleware; values_list() + dicts + orjson "
        "instead of model instances,\n  DRF serializer, DRF renderer and DRF view.\n"
    )


# --------------------------------------------------------------------------- total cost

# Search 2 as it is, then filtered and sorted by the total cost (listings.costs), which the
# database computes per row: no index can serve it, so it is measured on its own.
TOTAL_COST_SEARCHES = [
    ("2 as above", SEARCHES[1].params),
    (
        "2 + total <= 90k, by total",
        {**SEARCHES[1].params, "total_cost_max": "90000", "ordering": "total_cost"},
    ),
    (
        "hegang total <= 90k, by total",
        {"city": "hegang", "total_cost_max": "90000", "ordering": "total_cost"},
    ),
    ("all by total, dearest", {"ordering": "-total_cost"}),
]


def total_cost_section(api: Api, targets: list[Target], args) -> None:
    """Page 1 of each TOTAL_COST_SEARCHES at every size: p50 through the API, ORM queries per
    request at page sizes 5 and 50, and PostgreSQL's execution time of the listing query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = []
    for target in targets:
        use_db(target.dbname)
        for label, params in TOTAL_COST_SEARCHES:
            url = "/api/v1/listings/?" + urlencode(params)
            queries = []
            for page_size in (5, 50):
                with CaptureQueriesContext(connection) as ctx:
                    api.get(f"{url}&page_size={page_size}")
                queries.append(len(ctx.captured_queries))
            with CaptureQueriesContext(connection) as ctx:
                api.get(url)
            sql = listing_query(ctx.captured_queries)
            _plan, execution = plan_times(target.floor, sql, runs=args.repeat or 5)
            timings = Timings()
            for _ in range(args.warmup):
                api.get(url)
            for _ in range(max(args.requests // 2, 1)):
                start = time.perf_counter()
                api.get(url)
                timings.samples.append(time.perf_counter() - start)
            rows.append(
                [
                    f"{size_label(target.size)} {label}",
                    ms(timings.p50),
                    f"{queries[0]} / {queries[1]}",
                    f"{execution:.2f}",
                ]
            )
    print(
        "=== total cost: page 1 through the API (p50 ms), queries at page size 5 / 50, SQL exec ms"
    )
    print_table(["search", "API p50", "queries", "SQL exec"], rows)
    print()


# --------------------------------------------------------------------------- reporting


# --------------------------------------------------------------------------- search cache, page


def web_url(search: Search) -> str:
    return "/listings/?" + urlencode(search.params)


@contextmanager
def search_cache_seconds(seconds: int):
    from django.conf import settings

    before = settings.SEARCH_CACHE_SECONDS
    settings.SEARCH_CACHE_SECONDS = seconds
    try:
        yield
    finally:
        settings.SEARCH_CACHE_SECONDS = before


@contextmanager
def full_count_paginator():
    """The search page as it was: Django's Paginator, a full COUNT(*) of the results."""
    from django.core.paginator import Paginator

    from listings import views

    class FullCountPaginator(Paginator):
        def __init__(self, object_list, per_page, *, page_number=None):
            super().__init__(object_list, per_page)

    capped = views.CappedCountPaginator
    views.CappedCountPaginator = FullCountPaginator
    try:
        yield
    finally:
        views.CappedCountPaginator = capped


def cache_section(api: Api, target: Target, args) -> None:
    """Page 1 of each search, anonymous, interleaved request by request: the floor; the API
    computed and from the search cache (listings.search_cache); the search page computed with
    the capped count, with the full COUNT(*) it had before, and from the cache."""
    from django.conf import settings
    from django.core.cache import cache

    use_db(target.dbname)
    floor = target.floor
    where = (
        "Redis" if settings.CACHES["default"]["BACKEND"].endswith("RedisCache") else "local memory"
    )
    html = "text/html,application/xhtml+xml"

    def computed(fn):
        def run():
            with search_cache_seconds(0):
                return fn()

        return run

    def cached(fn):
        def run():
            with search_cache_seconds(300):
                return fn()

        return run

    def before(fn):
        def run():
            with search_cache_seconds(0), full_count_paginator():
                return fn()

        return run

    rows = []
    for search in SEARCHES:
        started = time.perf_counter()
        api_page, page = api_url(search), web_url(search)
        cases = [
            lambda s=search: floor.page(s),
            computed(lambda u=api_page: api.get(u)),
            cached(lambda u=api_page: api.get(u)),
            computed(lambda u=page: api.get(u, accept=html)),
            None if args.no_full_count else before(lambda u=page: api.get(u, accept=html)),
            cached(lambda u=page: api.get(u, accept=html)),
        ]
        cache.clear()
        hit_body = cases[2]()  # stores it
        assert cases[2]() == hit_body == cases[1](), "a hit differs from the computed answer"
        for _ in range(args.warmup):
            for case in cases:
                if case is not None:
                    case()
        timings = [Timings() for _ in cases]
        gc.collect()
        for _ in range(args.requests):
            for case, t in zip(cases, timings, strict=True):
                if case is None:
                    continue
                start = time.perf_counter()
                case()
                t.samples.append(time.perf_counter() - start)
        f, api_t, hit, page_t, page_before, page_hit = timings
        log(f"  cache and page, {search.label}: {time.perf_counter() - started:.0f}s")
        rows.append(
            [
                search.label,
                f"{f.rps:.0f}",
                f"{api_t.rps:.0f} ({api_t.rps / f.rps:.2f}x)",
                f"{hit.rps:.0f} ({hit.rps / f.rps:.2f}x)",
                f"{page_hit.rps:.0f} ({page_hit.rps / f.rps:.2f}x)",
                ms(api_t.p95),
                "-"
                if args.no_full_count
                else f"{ms(page_before.p95)} ({page_before.p95 / api_t.p95:.2f}x)",
                f"{ms(page_t.p95)} ({page_t.p95 / api_t.p95:.2f}x)",
                verdict(page_t.p95 <= GOAL_PAGE_OVER_API * api_t.p95),
            ]
        )
    print(
        f"=== anonymous page 1 at {target.size:,} listings: requests/s (x the floor's) and p95 ms "
        f"(x the API's); cache in {where}; {args.requests} requests per case"
    )
    print_table(
        [
            "search",
            "floor rps",
            "API computed rps",
            "API cached hit rps",
            "page cached hit rps",
            "API p95",
            "page p95, full COUNT(*)",
            "page p95, capped count",
            f"page <= {GOAL_PAGE_OVER_API}x API",
        ],
        rows,
    )
    print(
        "  goals: a cached hit >= 0.8x the floor's requests/s; the page's p95 <= 1.5x the API's.\n"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(headers, rows) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(
            "  ".join(
                str(c).rjust(w) if i else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=False))
            )
        )
    print(flush=True)


def print_size_table(size: int, results: list[SearchResult]) -> None:
    print(
        f"\n=== {size:,} listings (times in ms; {PAGE_SIZE} per page; rps = 1 / mean latency, one worker;"
        f" cpu = mean Python CPU per request, PostgreSQL excluded)"
    )
    rows = []
    for r in results:
        rows.append(
            [
                r.search.label,
                f"{r.api.rps:.0f}",
                f"{r.floor.rps:.0f}",
                f"{r.api.rps / r.floor.rps:.2f}",
                ms(r.api.p50),
                ms(r.api.p95),
                ms(r.floor.p50),
                ms(r.floor.p95),
                f"{r.api.p95 / r.floor.p95:.2f}",
                r.deep_page,
                ms(r.api_deep.p50),
                f"{r.api_deep.p50 / r.api.p50:.2f}",
                ms(r.floor_deep.p50),
                ms(r.api.cpu_mean),
                ms(r.floor.cpu_mean),
                "/".join(str(r.orm_queries[k]) for k in sorted(r.orm_queries)),
                "/".join(str(r.pg_statements[k]) for k in sorted(r.pg_statements)),
            ]
        )
    print_table(
        [
            "search",
            "API rps",
            "floor rps",
            "rps x",
            "API p50",
            "API p95",
            "floor p50",
            "floor p95",
            "p95 x",
            "deep pg",
            "API deep p50",
            "deep x",
            "floor deep p50",
            "API cpu",
            "floor cpu",
            "ORM q 5/20/50",
            "PG stmts 5/20/50",
        ],
        rows,
    )
    for r in results:
        if r.parity != "same":
            print(f"  ! {r.search.label}: API and floor pages differ: {r.parity}")


def summarize(all_results: dict[int, list[SearchResult]]) -> list[tuple]:
    sizes = sorted(all_results)
    small, large = sizes[0], sizes[-1]
    res_large = all_results[large]

    if len(sizes) > 1:
        print(f"\n=== page 1 at {large:,} vs {small:,} listings (p50, ms)")
        rows = []
        for a, b in zip(all_results[small], res_large, strict=False):
            rows.append(
                [
                    a.search.label,
                    ms(a.api.p50),
                    ms(b.api.p50),
                    f"{b.api.p50 / a.api.p50:.2f}",
                    ms(a.floor.p50),
                    ms(b.floor.p50),
                    f"{b.floor.p50 / a.floor.p50:.2f}",
                ]
            )
        print_table(
            [
                "search",
                f"API {small:,}",
                f"API {large:,}",
                "API x",
                f"floor {small:,}",
                f"floor {large:,}",
                "floor x",
            ],
            rows,
        )

    def worst(values, higher_is_worse=True):
        pick = max if higher_is_worse else min
        return pick(values, key=lambda v: v[0])

    goals = []
    v, who = worst(
        [(r.api.rps / r.floor.rps, r.search.label) for r in res_large], higher_is_worse=False
    )
    goals.append(("API rps / floor rps", f">= {GOALS['rps']}", f"{v:.2f}", who, v >= GOALS["rps"]))
    v, who = worst([(r.api.p95 / r.floor.p95, r.search.label) for r in res_large])
    goals.append(("API p95 / floor p95", f"<= {GOALS['p95']}", f"{v:.2f}", who, v <= GOALS["p95"]))
    if len(sizes) > 1:
        v, who = worst(
            [
                (b.api.p50 / a.api.p50, b.search.label)
                for a, b in zip(all_results[small], res_large, strict=False)
            ]
        )
        goals.append(
            (
                f"page 1 p50 {large:,} / {small:,}",
                f"<= {GOALS['size']}",
                f"{v:.2f}",
                who,
                v <= GOALS["size"],
            )
        )
    v, who = worst(
        [(r.api_deep.p50 / r.api.p50, f"{r.search.label} (page {r.deep_page})") for r in res_large]
    )
    goals.append(
        ("deep page p50 / page 1 p50", f"<= {GOALS['deep']}", f"{v:.2f}", who, v <= GOALS["deep"])
    )
    v, who = worst(
        [(max(r.orm_queries.values()), r.search.label) for rs in all_results.values() for r in rs]
    )
    goals.append(
        ("ORM queries per request", f"<= {GOALS['queries']}", str(v), who, v <= GOALS["queries"])
    )
    v2, who2 = worst(
        [(max(r.pg_statements.values()), r.search.label) for rs in all_results.values() for r in rs]
    )
    goals.append(
        (
            "  statements sent to PG (info)",
            f"<= {GOALS['queries']}",
            str(v2),
            who2,
            v2 <= GOALS["queries"],
        )
    )

    print(f"\n=== goals (ratios at {large:,} listings; worst search shown)")
    print_table(
        ["goal", "target", "worst", "where", "result"],
        [[g[0], g[1], g[2], g[3], verdict(g[4])] for g in goals],
    )
    return goals


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    run_started = time.perf_counter()
    setup_django(args)
    from django.conf import settings

    log(
        f"Django {__import__('django').get_version()}, DEBUG while timing: {settings.DEBUG}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    targets = prepare_targets(args)
    with psycopg.connect(targets[0].url, autocommit=True) as pg:
        server = pg.execute("SHOW server_version").fetchone()[0]
        settings_rows = pg.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN "
            "('shared_buffers','work_mem','effective_cache_size','random_page_cost','jit')"
        ).fetchall()
    log(f"PostgreSQL {server}: " + ", ".join(f"{n}={s}{u or ''}" for n, s, u in settings_rows))

    api = Api()
    for target in targets:
        target.floor = Floor(target.url)
        active = target.floor.conn.execute(
            "SELECT count(*) FROM listings_listing WHERE status = 'active'"
        ).fetchone()[0]
        log(f"{target.dbname}: {target.size:,} listings, {active:,} active")
    log(
        f"measuring {len(SEARCHES)} searches at {len(targets)} sizes, {args.requests} timed requests "
        f"per search, size and case; load average {os.getloadavg()[0]:.2f}"
    )
    if args.cache_only:
        cache_section(api, targets[-1], args)
        log(f"total run time {time.perf_counter() - run_started:.0f}s")
        return 0
    all_results: dict[int, list[SearchResult]] = {t.size: [] for t in targets}
    for search in SEARCHES:
        t = time.perf_counter()
        for size, result in measure_search(api, targets, search, args).items():
            all_results[size].append(result)
        log(
            f"  {search.label}: {time.perf_counter() - t:.1f}s (load average {os.getloadavg()[0]:.2f})"
        )
    for size, results in all_results.items():
        print_size_table(size, results)

    if not args.api_only:
        total_cost_section(api, targets, args)
        cache_section(api, targets[-1], args)

    largest_target = targets[-1]
    use_db(largest_target.dbname)
    floor = largest_target.floor
    goals = summarize(all_results)

    largest = max(all_results)
    res_large = all_results[largest]
    slowest = max(res_large, key=lambda r: r.api.p50)
    print(f"=== where a page-1 request goes at {largest:,} listings (p50 of each piece, ms)")
    rows = []
    for r in res_large:
        parts = breakdown(r.search, reps=args.repeat or 100)
        accounted = (
            parts["filterset (+city lookup)"]
            + parts["listing SQL + model instances"]
            + parts["serializer .data"]
            + parts["JSONRenderer"]
        )
        rows.append(
            [
                r.search.label,
                ms(r.api.p50),
                *(ms(v) for v in parts.values()),
                ms(max(0.0, r.api.p50 - accounted)),
                ms(r.floor.p50),
            ]
        )
    print_table(
        [
            "search",
            "request",
            "filterset+city",
            "SQL raw",
            "SQL+models",
            "serializer",
            "render",
            "rest of stack",
            "floor",
        ],
        rows,
    )

    print(
        f"=== PostgreSQL planning vs execution of the API's listing SQL at {largest:,} (EXPLAIN ANALYZE, "
        "median of 7, ms)"
    )
    rows = []
    for r in res_large:
        runs = args.repeat or 7
        api_plan = plan_times(floor, r.page1_sql, runs=runs)
        deep_plan = plan_times(floor, r.deep_sql, runs=runs)
        floor_plan = plan_times(
            floor, floor.statement(r.search, False), r.search.sql_params, runs=runs
        )
        rows.append(
            [
                r.search.label,
                f"{api_plan[0]:.2f}",
                f"{api_plan[1]:.2f}",
                f"{deep_plan[0]:.2f}",
                f"{deep_plan[1]:.2f}",
                f"{floor_plan[0]:.2f}",
                f"{floor_plan[1]:.2f}",
            ]
        )
    print_table(
        [
            "search",
            "page 1 plan",
            "page 1 exec",
            "deep plan",
            "deep exec",
            "floor plan",
            "floor exec",
        ],
        rows,
    )
    generic, custom = floor.conn.execute(
        "SELECT count(*) FILTER (WHERE generic_plans > custom_plans), "
        "count(*) FILTER (WHERE generic_plans <= custom_plans) FROM pg_prepared_statements"
    ).fetchone()
    print(
        f"  The floor's connection holds {generic + custom} prepared statements: {generic} run a cached "
        f"generic plan\n  (no planning per request), {custom} are re-planned each time (custom plans).\n"
    )
    print(
        "  Django binds parameters client-side and never prepares (prepare_threshold=None), so every API\n"
        "  request plans its listing query (the page 1 plan column). Django with server_side_binding\n"
        "  sends status='active' as a parameter, so a cached generic plan could not use the partial\n"
        "  indexes; PostgreSQL keeps custom plans for it (see the experiments table).\n"
    )

    if not args.no_experiments:
        experiments(api, floor, res_large, args)

    if args.explain or not all(g[4] for g in goals):
        targets = res_large if args.explain else [slowest]
        deep_worst = max(res_large, key=lambda r: r.api_deep.p50 / r.api.p50)
        for r in targets:
            print(
                f"=== EXPLAIN ANALYZE, page 1 of '{r.search.label}' at {largest:,} (the API's SQL)"
            )
            print(r.page1_sql)
            print(floor.explain(r.page1_sql))
            print()
        deep_goal_missed = not next(g for g in goals if g[0].startswith("deep"))[4]
        if args.explain or deep_goal_missed:
            for r in res_large if args.explain else [deep_worst]:
                print(
                    f"=== EXPLAIN ANALYZE, page {r.deep_page} of '{r.search.label}' at {largest:,}"
                )
                print(r.deep_sql)
                print(floor.explain(r.deep_sql))
                print()
        print(f"=== EXPLAIN ANALYZE, the floor's page-1 SQL for '{slowest.search.label}'")
        print(floor.explain(floor.statement(slowest.search, False), slowest.search.sql_params))
        print()

    if args.profile:
        print(f"=== cProfile of 200 requests of '{slowest.search.label}', top 30 by own time")
        url = api_url(slowest.search)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(200):
            api.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)

    log(f"total run time {time.perf_counter() - run_started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
