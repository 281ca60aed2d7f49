"""Root pytest configuration: fast defaults, and skips that CI turns into failures."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _postgres_missing() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return "needs DATABASE_URL pointing at PostgreSQL"
    return None


def _integration_missing() -> str | None:
    from django.conf import settings

    if _postgres_missing():
        return "integration tests need DATABASE_URL pointing at PostgreSQL"
    if not settings.REDIS_URL:
        return "integration tests need REDIS_URL (Redis broker and a real Celery worker)"
    return None


def pytest_collection_modifyitems(config, items):
    chromium_missing = shutil.which(CHROMIUM) is None
    for item in items:
        if "browser" in item.keywords and chromium_missing:
            item.add_marker(pytest.mark.skip(reason=f"browser tests need Chromium at {CHROMIUM}"))
        if "integration" in item.keywords:
            reason = _integration_missing()
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
        elif "postgres" in item.keywords:
            reason = _postgres_missing()
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With WALKUP_FORBID_SKIPS=1 (CI), a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("WALKUP_FORBID_SKIPS") == "1"
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but WALKUP_FORBID_SKIPS=1: {reason}"
