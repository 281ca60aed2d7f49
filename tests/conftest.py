from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.core.files.storage import storages
from rest_framework.test import APIClient

from marketplace.celery import app as celery_app
from photos.models import photo_models

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"

LOCAL_MEMORY_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "login_attempts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "login-attempts",
    },
}


@pytest.fixture(autouse=True)
def _fast_and_isolated(request, settings):
    """Fast hashing, English, and a private cache; tasks run inline unless a test needs the worker."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    # Factories write around the services that invalidate it: tests of it turn it on.
    settings.SEARCH_CACHE_SECONDS = 0
    needs_worker = request.node.get_closest_marker("integration") is not None
    if not needs_worker:
        # A private cache per test: clearing a Redis cache would flush the broker's database too.
        settings.CACHES = LOCAL_MEMORY_CACHE
        celery_app.conf.task_always_eager = True
        cache.clear()
        caches["login_attempts"].clear()  # no lock-out carries over from another test
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def api_client():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@dataclass(frozen=True)
class PhotoStorage:
    public: Path
    private: Path

    def files(self) -> list[str]:
        """Every stored file, public and private, relative to tmp_path."""
        return sorted(
            str(path.relative_to(self.public.parent))
            for root in (self.public, self.private)
            for path in root.rglob("*")
            if path.is_file()
        )


@pytest.fixture(autouse=True)
def photo_storage(settings, tmp_path, monkeypatch) -> PhotoStorage:
    """Public and private media in tmp_path; nothing a test stores reaches the project's folders."""
    public, private = tmp_path / "media", tmp_path / "private-media"
    settings.MEDIA_ROOT = str(public)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": FILE_SYSTEM, "OPTIONS": {"location": str(public)}},
        "private": {
            "BACKEND": FILE_SYSTEM,
            "OPTIONS": {"location": str(private), "base_url": None},
        },
    }
    # Django's setting_changed receiver empties the storages cache, so these are new backends.
    assert storages["default"].location == str(public)
    assert storages["private"].location == str(private)
    # A FileField calls its storage callable once, when the model class is built: point it here.
    for model in photo_models():
        monkeypatch.setattr(model._meta.get_field("original"), "storage", storages["private"])
    return PhotoStorage(public=public, private=private)


class FrozenClock:
    """`django.utils.timezone.now` stands still until moved (auto_now fields follow it too)."""

    def __init__(self, monkeypatch, start):
        from django.utils import timezone

        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when):
        self.now = when

    def advance(self, **delta):
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock at 2026-03-02 10:00 Beijing time; `clock.advance(days=1)` moves it."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return FrozenClock(monkeypatch, datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A "replica" alias on every test run, mirroring the primary's test database as Django's
    test runner does: replica tests route to it (tests/marketplace/test_replica.py). Without
    DATABASE_ROUTERS (the default) nothing else ever uses it."""
    from django.conf import settings

    primary = settings.DATABASES["default"]
    settings.DATABASES.setdefault(
        "replica", {**primary, "TEST": {**primary.get("TEST", {}), "MIRROR": "default"}}
    )
