"""Every script in bench/ still runs as the code changes: each at its tiniest sizes, in a process
of its own, on databases and folders made for it and thrown away after.

The figures mean nothing at these sizes: the tests check that a script finishes and prints its
tables with numbers in them. The scripts that need PostgreSQL (COPY, raw SQL) use the server of
the suite's DATABASE_URL, under database names of their own (`<name>_bench_<script>…`).
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 300

pytestmark = pytest.mark.bench


def run_bench(script: str, *args: str) -> str:
    """Run bench/<script> and return what it printed; fail with its output if it fails."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),  # noqa: S108
        "LOG_LEVEL": "WARNING",
        # No Redis: tasks run inline and nothing reaches the suite's broker or cache.
        "REDIS_URL": "",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(BASE_DIR / "bench" / script), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"bench/{script} failed:\n{output[-5000:]}"
    return output


def assert_printed(output: str, *patterns: str) -> None:
    for pattern in patterns:
        assert re.search(pattern, output, re.MULTILINE), f"no /{pattern}/ in:\n{output[-5000:]}"


def _drop_databases(server, prefix: str) -> None:
    """Drop the database named `prefix` and every `prefix_…` one (a size each, for some)."""
    import psycopg

    with psycopg.connect(urlunsplit(server._replace(path="/postgres")), autocommit=True) as pg:
        names = pg.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            [prefix, prefix.replace("_", r"\_") + r"\_%"],
        ).fetchall()
        for (name,) in names:
            pg.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url():
    """A URL on the suite's PostgreSQL server for databases named after one bench script,
    none of which exists before the test or after it."""
    server = urlsplit(os.environ["DATABASE_URL"])
    base = server.path.lstrip("/")
    made = []

    def url_for(script: str) -> str:
        prefix = f"{base}_bench_{script}"
        _drop_databases(server, prefix)
        made.append(prefix)
        return urlunsplit(server._replace(path=f"/{prefix}"))

    yield url_for
    for prefix in made:
        _drop_databases(server, prefix)


# --- on PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
def test_listings_search_and_the_lean_view(postgres_url):
    output = run_bench("listings_search.py", "--database-url", postgres_url("search"), "--smoke")

    assert_printed(
        output,
        r"filled to 1,000 listings",
        # Searches by the total cost: one query per request whatever the page size.
        r"^=== total cost",
        r"^1k all by total, dearest +\d+\.\d+ +1 / 1 ",
        # The search cache's hits and the search page beside the API and the floor.
        r"^=== anonymous page 1 at 1,000 listings",
        r"^1 hegang, newest +\d+ +\d+ \(\d+\.\d+x\) +\d+ \(\d+\.\d+x\)",
        r"^=== goals",
        r"(PASS|MISS)",
        # The experiments table times bench/lean.py beside the API.
        r"^=== experiments",
        r"^  lean view = bench/lean\.py",
    )


@pytest.mark.postgres
def test_keyword_search(postgres_url):
    output = run_bench("keyword_search.py", "--database-url", postgres_url("keywords"), "--smoke")

    assert_printed(
        output,
        r"^=== keyword search at 1,000 listings",
        r"q=育才小区 +rare, absent +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\dx",
        r"^same rows as icontains +20/20 +PASS",
        r"^rare keyword reads the GIN index +yes +PASS",
    )


@pytest.mark.postgres
def test_saved_search_alerts(postgres_url):
    output = run_bench(
        "saved_search_alerts.py",
        *("--database-url", postgres_url("alerts")),
        *("--listings", "500", "--searches", "20", "--buyers", "5", "--changed", "10"),
        *("--repeat", "1"),
    )

    assert_printed(
        output,
        r"^nothing new since the last run +\d+\.\d+ +\d+",
        r"^10 listings changed +\d+\.\d+ +\d+",
    )


@pytest.mark.postgres
def test_messaging(postgres_url):
    output = run_bench(
        "messaging.py",
        *("--database-url", postgres_url("messaging")),
        *("--sends", "2", "--inbox-requests", "2"),
    )

    assert_printed(
        output,
        r"^API POST .* mean +\d+\.\d+",
        r"^N= 500 +page /inbox/ +mean +\d+\.\d+",
        r"^API GET /api/v1/me/ .* p95 +\d+\.\d+",
        r"^message send p95 / GET /me/ p95 .*(PASS|MISS)",
        r"^message send / raw INSERT \(mean\) .*(PASS|MISS)",
    )


# --- on SQLite ------------------------------------------------------------------------------


def test_photos(tmp_path):
    output = run_bench(
        "photos.py",
        *("--photos", "2", "--repeat", "1", "--no-baselines"),
        *("--workdir", str(tmp_path), "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"),
    )

    assert_printed(
        output,
        r"^task total +\d+ +\d+",
        r"^photos/s, task, 2 processes +>= \d+ +\d+\.\d+ +(PASS|MISS)",
    )


def test_renovations(tmp_path):
    output = run_bench(
        "renovations.py",
        *("--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}", "--requests", "1"),
    )

    assert_printed(
        output,
        r"^  page +\d+\.\d+ ms median +\d+ queries",
        r"^summary API: 10x the rows -> \d+\.\d+x the time",
    )


def test_page_weight(tmp_path):
    output = run_bench("page_weight.py", "--workdir", str(tmp_path), "--smoke")

    assert_printed(
        output,
        r"^search +visitor +20 .*(PASS|MISS)",
        r"^heaviest page: [\d,]+ bytes",
    )


def test_photo_hashes(tmp_path):
    output = run_bench(
        "photo_hashes.py", "--smoke", "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )

    assert_printed(
        output,
        r"^hash per photo, 400 px thumbnail \(pipeline\) +\d+\.\d+ ms",
        r"^d<=10 planted neighbour +\d+\.\d+ +\d+\.\d+ +\d+ +10/10 (PASS|MISS)",
        r"^d<=10 no neighbour +\d+\.\d+ +\d+\.\d+ +\d+ +0/10 (PASS|MISS)",
        r"^full scan \(every hash compared\) +\d+\.\d+ ms",
    )


def test_every_bench_script_has_a_smoke_test():
    tested = {
        "listings_search.py",
        "lean.py",  # run by listings_search.py's experiments
        "saved_search_alerts.py",
        "messaging.py",
        "photos.py",
        "renovations.py",
        "page_weight.py",
        "photo_cost.py",  # tests/photos/test_photo_cost.py runs its --smoke
        "photo_hashes.py",
        "keyword_search.py",
        "__init__.py",
    }

    assert {path.name for path in (BASE_DIR / "bench").glob("*.py")} == tested
