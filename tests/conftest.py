import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from marketplace.celery import app as celery_app

LOCAL_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _fast_and_isolated(request, settings):
    """Fast hashing, English, and a private cache; tasks run inline unless a test needs the worker."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    needs_worker = request.node.get_closest_marker("integration") is not None
    if not needs_worker:
        # A private cache per test: clearing a Redis cache would flush the broker's database too.
        settings.CACHES = LOCAL_MEMORY_CACHE
        celery_app.conf.task_always_eager = True
        cache.clear()
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def api_client():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")
