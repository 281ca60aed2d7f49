"""Renovations benchmark: the project page, the summary API and recording an expense, for a
small project and one ten times larger (tasks, expenses, updates with photos).

    .venv/bin/python bench/renovations.py [--database-url postgres://...] [--requests 50]

Goal: the page and the summary cost the same number of queries at both sizes. Their time is
printed too: the page renders every row, so it grows with the rows; the summary should not.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = {"small": (10, 20, 10), "large": (100, 200, 100)}  # tasks, expenses, updates
PHOTOS_PER_UPDATE = 3
GOAL_SUMMARY_FLATNESS = 2.0  # summary time at 10x the rows / at 1x


def _setup(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)  # tasks inline; no worker needed
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["CONN_MAX_AGE"] = "600"  # one connection, as a busy server keeps them
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("migrate", verbosity=0)


def _project(label: str, tasks: int, expenses: int, updates: int):
    """A project of the given size, made once; its photos are rows with recorded variants."""
    from accounts.models import User
    from renovations.models import Expense, RenovationPhoto, RenovationProject, Task, Update

    owner, _ = User.objects.get_or_create(username=f"bench-owner-{label}")
    project = RenovationProject.objects.filter(owner=owner).first()
    if project:
        return owner, project
    project = RenovationProject.objects.create(owner=owner, title=f"Bench {label}", budget=25_000)
    Task.objects.bulk_create(
        Task(project=project, name=f"Task {n}", estimated_cost=100 + n, position=n, status="done")
        for n in range(tasks)
    )
    Expense.objects.bulk_create(
        Expense(
            project=project,
            amount=50 + n,
            category=Expense.Category.values[n % 5],
            spent_on=date(2026, 11, 1),
            added_by=owner,
        )
        for n in range(expenses)
    )
    made = Update.objects.bulk_create(
        Update(project=project, author=owner, note=f"Update {n}") for n in range(updates)
    )

    def variants(folder: str) -> dict:
        """Private files named as the pipeline names them: each URL is the access-checked one."""
        return {
            name: {
                "width": width,
                "height": width * 3 // 4,
                "webp": f"{folder}/{name}-0123456789ab.webp",
                "jpeg": f"{folder}/{name}-0123456789ab.jpeg",
                "storage": "private",
            }
            for name, width in (("large", 1600), ("medium", 1000), ("thumb", 400))
        }

    RenovationPhoto.objects.bulk_create(
        RenovationPhoto(
            project=project,
            update=update,
            original="bench.jpg",
            content_hash=f"{update.pk:064d}",
            status="ready",
            variants=variants(f"renovations/{project.pk}/{update.pk}{n}"),
        )
        for update in made
        for n in range(PHOTOS_PER_UPDATE)
    )
    return owner, project


def _time(call, requests: int) -> tuple[float, int]:
    from django.db import connection

    call()  # warm up
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    timings = []
    for _n in range(requests):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/walkup_bench_renovations"
    )
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    _setup(args)
    from django.test import Client
    from rest_framework.test import APIClient

    from renovations import services

    results = {}
    for label, (tasks, expenses, updates) in SIZES.items():
        owner, project = _project(label, tasks, expenses, updates)
        web, api = Client(), APIClient()
        web.force_login(owner)
        api.force_authenticate(owner)
        page = _time(lambda p=project, c=web: c.get(f"/renovations/{p.pk}/"), args.requests)
        summary = _time(
            lambda p=project, c=api: c.get(f"/api/v1/renovations/{p.pk}/summary/"), args.requests
        )
        data = {"amount": 1, "category": "other", "spent_on": date(2026, 11, 2)}
        expense = _time(
            lambda p=project, o=owner, d=data: services.expense_add(project=p, by=o, data=d),
            args.requests,
        )
        results[label] = (page, summary, expense)
        rows = tasks + expenses + updates * (1 + PHOTOS_PER_UPDATE)
        print(f"{label}: {tasks} tasks, {expenses} expenses, {updates} updates ({rows} rows)")
        for name, (ms, queries) in zip(
            ("page", "summary API", "expense_add"), results[label], strict=True
        ):
            print(f"  {name:<12} {ms:7.1f} ms median  {queries:3d} queries")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    for index, name in enumerate(("page", "summary API")):
        small, large = results["small"][index], results["large"][index]
        ratio = large[0] / small[0]
        flat_enough = name == "page" or ratio < GOAL_SUMMARY_FLATNESS
        verdict = "PASS" if small[1] == large[1] and flat_enough else "MISS"
        print(
            f"{name}: 10x the rows -> {ratio:.2f}x the time, "
            f"queries {small[1]} vs {large[1]} [{verdict}]"
        )


if __name__ == "__main__":
    main()
