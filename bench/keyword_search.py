#!/usr/bin/env python
"""Benchmark of keyword search (`q`) at a million listings, before and after the keyword index.

On the database bench/listings_search.py fills (the same rows: walkup_bench_1m by default),
through the full API stack in-process:

* p50/p95 of rare and common keyword searches beside the same search without a keyword
  (goal: p95 <= 3x), with the keyword index ("after") and with the plain `icontains` scan
  ("before": the FilterSet with the index turned off, fewer requests: each takes seconds);
* agreement: for 200 random keywords cut out of the listings' own texts (and a few absent
  words), the rows the FilterSet finds are the rows the plain `icontains` filter finds
  (count and sum of ids, the truth for all keywords from one scan);
* EXPLAIN of a rare keyword, which must read the GIN index listing_keywords.

    .venv/bin/python bench/keyword_search.py                 # 1M (fills it if needed, ~5 min)
    .venv/bin/python bench/keyword_search.py --smoke         # 1,000 listings, to check it runs
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import listings_search as bench  # noqa: E402

GOAL_RATIO = 3.0  # keyword search p95 <= 3x the same search without a keyword
BASES = {"all, newest": {}, "hegang, newest": {"city": "hegang"}}
# What the bench texts hold (bench/listings_search.py: titles "<district><community>小区 2室 60㎡
# 5/6层", descriptions from PHRASES): absent words, rare ones, common ones, one character.
KEYWORDS = [
    ("rare, absent", "育才小区"),
    ("rare, absent", "朝南"),
    ("rare, mixed", "17/18层"),
    ("medium", "友好区幸福"),
    ("common", "采光"),
    ("common, mixed", "2室"),
    ("common, long", "南北通透，采光好"),
    ("one character (scan)", "暖"),
]
ABSENT = ["育才", "向阳", "朝南", "学区房", "WeChat", "地下室"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--database-url", default=bench.DEFAULT_DATABASE_URL)
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=40, help="timed requests per search (after)")
    p.add_argument(
        "--before-requests", type=int, default=3, help="timed requests per search, scan (before)"
    )
    p.add_argument("--keywords", type=int, default=200, help="random keywords to check (0: none)")
    p.add_argument("--no-fill", action="store_true", help="measure whatever the database holds")
    p.add_argument("--smoke", action="store_true", help="1,000 listings, 2 requests, 20 keywords")
    args = p.parse_args(argv)
    if args.smoke:
        args.size, args.requests, args.before_requests, args.keywords = 1000, 2, 1, 20
    # What bench/listings_search.py's set-up reads; keyword searches are measured computed,
    # without Redis and its search cache.
    args.sizes, args.keep_debug, args.redis_url = [args.size], False, None
    return args


def p95(samples):
    ordered = sorted(samples)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def timed_requests(api, url, requests, warmup=1):
    for _ in range(warmup):
        api.get(url)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        api.get(url)
        samples.append(time.perf_counter() - started)
    return samples


def timed_pairs(api, urls, requests, warmup=2):
    """Requests to each URL in turn, `requests` rounds: on a shared machine a load that comes
    and goes weighs on both sides of a ratio alike. One list of seconds per URL."""
    for _ in range(warmup):
        for url in urls:
            api.get(url)
    samples = [[] for _ in urls]
    for _ in range(requests):
        for url, seconds in zip(urls, samples, strict=True):
            started = time.perf_counter()
            api.get(url)
            seconds.append(time.perf_counter() - started)
    return samples


def index_off():
    """The FilterSet as it was: every word by the `icontains` scan."""
    from listings import filters

    filters.SHORTEST_INDEXED_WORD = sys.maxsize


def index_on():
    from listings import filters

    filters.SHORTEST_INDEXED_WORD = 2


def measure(api, args):
    """(search, kind, p95 without q, p95 before, p95 after, after / without) per keyword."""
    rows = []
    for base_label, base in BASES.items():
        plain_url = "/api/v1/listings/?" + urlencode(base)
        for kind, word in KEYWORDS:
            url = "/api/v1/listings/?" + urlencode({**base, "q": word})
            index_off()
            before = timed_requests(api, url, args.before_requests)
            index_on()
            plain, after = timed_pairs(api, [plain_url, url], args.requests)
            label = f"{base_label} + q={word}"
            rows.append((label, kind, p95(plain), p95(before), p95(after), p95(after) / p95(plain)))
        bench.log(f"  {base_label}: measured")
    return rows


def print_timings(rows, size):
    print(f"\n=== keyword search at {size:,} listings (API, ms; ratio = p95 / p95 without q)")
    print(f"{'search':<34} {'kind':<22} {'no q':>7} {'before':>9} {'after':>7} {'ratio':>6}")
    for label, kind, plain, before, after, ratio in rows:
        print(
            f"{label:<34} {kind:<22} {plain * 1000:>7.1f} {before * 1000:>9.1f} "
            f"{after * 1000:>7.1f} {ratio:>5.1f}x"
        )
    return max(row[-1] for row in rows)


def random_keywords(count, rng):
    """Distinct substrings (1 to 6 characters) of random active listings' title, community or
    description, and now and then a word no listing holds."""
    from listings.models import Listing

    active = Listing.objects.active()
    top = active.order_by("-pk").values_list("pk", flat=True).first() or 0
    keywords = {}  # distinct, in the order drawn
    while len(keywords) < count:
        if rng.random() < 0.05:
            keywords[rng.choice(ABSENT)] = None
            continue
        listing = active.filter(pk__gte=rng.randint(1, top)).order_by("pk").first()
        if listing is None:
            continue
        text = rng.choice([listing.title, listing.community_name, listing.description])
        if not text:
            continue
        start = rng.randrange(len(text))
        word = "".join(text[start : start + rng.choice([1, 2, 2, 2, 3, 4, 5, 6])].split())
        if word:
            keywords[word] = None
    return list(keywords)


def random_keyword_timings(api, keywords):
    """One search per random keyword (all listings, newest first), each beside one without q:
    (p50, p95, p95 without q, the slowest and its keyword)."""
    plain_url = "/api/v1/listings/"
    plain, searched = [], []
    for word in keywords:
        seconds = timed_pairs(api, [plain_url, plain_url + "?" + urlencode({"q": word})], 1, 0)
        plain.append(seconds[0][0])
        searched.append((seconds[1][0], word))
    times = [seconds for seconds, _word in searched]
    return statistics.median(times), p95(times), p95(plain), max(searched)


def agreement(keywords):
    """Disagreements of the FilterSet with the plain icontains filter, keyword by keyword."""
    from django.db import connection
    from django.db.models import Count, Q, Sum

    from listings.filters import ListingFilterSet
    from listings.models import Listing

    def icontains(word):
        return (
            Q(title__icontains=word)
            | Q(community_name__icontains=word)
            | Q(description__icontains=word)
        )

    with connection.cursor() as cursor:
        # Counting every row of a word most listings hold: an exact bitmap needs more than the
        # default 4 MB, and a lossy one re-computes each row's bigrams. Searches read 21 rows.
        cursor.execute("SET work_mem = '128MB'")
    started = time.perf_counter()
    aggregates = {}
    for i, word in enumerate(keywords):
        aggregates[f"n{i}"] = Count("pk", filter=icontains(word))
        aggregates[f"s{i}"] = Sum("pk", filter=icontains(word))
    truth = Listing.objects.active().aggregate(**aggregates)
    bench.log(f"  icontains truth for {len(keywords)} keywords in one scan: {_since(started)}")
    started = time.perf_counter()
    wrong = []
    for i, word in enumerate(keywords):
        filterset = ListingFilterSet({"q": word}, queryset=Listing.objects.active())
        found = filterset.qs.aggregate(n=Count("pk"), s=Sum("pk"))
        if (found["n"], found["s"]) != (truth[f"n{i}"], truth[f"s{i}"]):
            wrong.append((word, found["n"], truth[f"n{i}"]))
    bench.log(f"  the FilterSet for the same keywords: {_since(started)}")
    lengths = [len(word) for word in keywords]
    print(
        f"\n=== agreement: {len(keywords)} random keywords ({lengths.count(1)} of one character, "
        f"{lengths.count(2)} of two, {sum(n >= 3 for n in lengths)} longer), "
        f"{sum(truth[f'n{i}'] == 0 for i in range(len(keywords)))} found nowhere"
    )
    for word, found, expected in wrong:
        print(f"  q={word!r}: the FilterSet finds {found}, icontains {expected}")
    return wrong


def _since(started):
    return f"{time.perf_counter() - started:.1f}s"


def explain_rare():
    from listings.filters import ListingFilterSet
    from listings.models import Listing

    qs = ListingFilterSet({"q": "育才小区"}, queryset=Listing.objects.active()).qs
    plan = qs.explain()
    uses_index = "listing_keywords" in plan
    print(f"\n=== EXPLAIN q=育才小区: {'reads' if uses_index else 'does NOT read'} the GIN index")
    print("\n".join(line for line in plan.splitlines() if "Scan" in line))
    return uses_index


def main(argv=None) -> int:
    args = parse_args(argv)
    bench.setup_django(args)
    target = bench.prepare_targets(args)[0]
    bench.use_db(target.dbname)
    api = bench.Api()
    bench.log(f"{target.dbname}: {target.size:,} listings")
    rows = measure(api, args)
    worst = print_timings(rows, target.size)
    keywords = random_keywords(args.keywords, random.Random(f"walkup-keywords-{args.size}"))
    wrong = []
    if keywords:
        p50, random_p95, plain_p95, (slowest, word) = random_keyword_timings(api, keywords)
        print(
            f"\n{len(keywords)} random keywords, all listings, newest first: p50 "
            f"{p50 * 1000:.1f} ms, p95 {random_p95 * 1000:.1f} ms ({random_p95 / plain_p95:.1f}x "
            f"the p95 without q, {plain_p95 * 1000:.1f} ms), slowest {slowest * 1000:.1f} ms "
            f"(q={word})"
        )
        worst = max(worst, random_p95 / plain_p95)
        wrong = agreement(keywords)
    uses_index = explain_rare()
    print("\n=== goals")
    print(
        f"worst keyword p95 / p95 without   {worst:>5.1f}x  (goal <= {GOAL_RATIO:.0f}x)  "
        f"{bench.verdict(worst <= GOAL_RATIO)}"
    )
    print(
        f"same rows as icontains            {len(keywords) - len(wrong)}/{len(keywords)}  "
        f"{bench.verdict(not wrong)}"
    )
    print(
        f"rare keyword reads the GIN index  {'yes' if uses_index else 'no':>5}  "
        f"{bench.verdict(uses_index)}"
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
