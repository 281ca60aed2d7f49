"""Settings are read from the environment at import, so each case imports them in a fresh process."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json
import django
from django.conf import settings

django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DATABASE_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DATABASE_NAME": str(settings.DATABASES["default"]["NAME"]),
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION"),
    "LOGIN_ATTEMPTS_CACHE": settings.CACHES[settings.AXES_CACHE],
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    "CELERY_TASK_IGNORE_RESULT": settings.CELERY_TASK_IGNORE_RESULT,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "STATICFILES_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_HSTS_PRELOAD": settings.SECURE_HSTS_PRELOAD,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "API_RENDERERS": settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
}, default=str))
"""


def _run(command: list[str], **env_vars: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        **env_vars,
    }
    return subprocess.run(  # noqa: S603
        command,
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _run_settings(**env_vars: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", PRINT_SETTINGS], **env_vars)


def _production(**env_vars: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(38)[:50],
        "ALLOWED_HOSTS": "walkup.example",
        **env_vars,
    }


def _settings_with(**env_vars: str) -> dict:
    result = _run_settings(**env_vars)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "secret_key",
    [None, "too-short-a-key", "django-insecure-" + "x" * 50],
    ids=["missing", "short", "insecure-prefix"],
)
def test_production_without_a_real_secret_key_refuses_to_start(secret_key):
    env_vars = {"DEBUG": "0", "ALLOWED_HOSTS": "walkup.example"}
    if secret_key is not None:
        env_vars["SECRET_KEY"] = secret_key

    result = _run_settings(**env_vars)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_with_a_secret_key_and_hosts_imports_and_is_secure():
    values = _settings_with(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(38)[:50],
        ALLOWED_HOSTS="walkup.example,www.walkup.example",
    )

    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["walkup.example", "www.walkup.example"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert (
        values["STATICFILES_BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    # The browsable API's inline styles break the Content-Security-Policy: JSON only.
    assert values["API_RENDERERS"] == ["rest_framework.renderers.JSONRenderer"]


def test_the_browsable_api_is_there_while_developing():
    assert "rest_framework.renderers.BrowsableAPIRenderer" in _settings_with()["API_RENDERERS"]


def test_production_asks_browsers_for_https_for_a_year():
    values = _settings_with(**_production())

    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    # Subdomains and the preload list bind the whole domain: its owner says so.
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_HSTS_PRELOAD"] is False


def test_hsts_subdomains_and_preload_are_chosen_by_the_environment():
    values = _settings_with(
        **_production(SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1")
    )

    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True


def test_the_proxys_https_header_is_believed_only_from_trusted_proxies():
    without_proxies = _settings_with(**_production())
    behind_a_proxy = _settings_with(**_production(TRUSTED_PROXIES="10.0.0.5"))

    assert without_proxies["SECURE_PROXY_SSL_HEADER"] is None
    assert behind_a_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


PRODUCTION = {
    "TRUSTED_PROXIES": "10.0.0.5",
    "DATABASE_URL": "postgres://walkup:secret@db.internal:5432/walkup",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "CSRF_TRUSTED_ORIGINS": "https://walkup.example",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def _check_deploy(**env_vars: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", "check", "--deploy"], **_production(**env_vars))


def test_the_deployment_check_passes_without_a_warning_in_production():
    result = _check_deploy(**PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stderr


def test_the_deployment_check_names_hsts_choices_left_off():
    env_vars = {**PRODUCTION}
    del env_vars["SECURE_HSTS_INCLUDE_SUBDOMAINS"], env_vars["SECURE_HSTS_PRELOAD"]

    result = _check_deploy(**env_vars)

    warnings = sorted(set(re.findall(r"\((security\.W\d+)\)", result.stderr)))
    assert warnings == ["security.W005", "security.W021"], result.stderr


@pytest.mark.parametrize("debug", [None, "1", "true"], ids=["unset", "1", "true"])
def test_make_serve_refuses_to_start_with_debug_on(debug):
    env_vars = {} if debug is None else {"DEBUG": debug}

    # -o: never reinstall the virtualenv from here, whatever the files' dates.
    result = _run(
        ["make", "--no-print-directory", "-o", ".venv/.runtime-installed", "serve"], **env_vars
    )

    assert result.returncode != 0
    assert "make serve is for production, and DEBUG is on" in result.stderr
    assert "collectstatic" not in result.stdout


def test_with_no_environment_the_defaults_need_no_services():
    values = _settings_with()

    assert values["DEBUG"] is True
    assert values["DATABASE_ENGINE"] == "django.db.backends.sqlite3"
    assert Path(values["DATABASE_NAME"]) == BASE_DIR / "db.sqlite3"
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CELERY_BROKER_URL"] == "memory://"


def test_make_runs_processes_share_a_cache_folder_without_redis(tmp_path):
    """`make run`'s server, load_demo and run_beat_inline are three processes: what one puts
    in the cache (a view counter, a city's report) the others must read."""
    folder = str(tmp_path / "cache")
    values = _settings_with(LOCAL_CACHE_DIR=folder)
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"

    setup = "import django; django.setup(); from django.core.cache import cache; "
    put = _run([sys.executable, "-c", setup + "cache.set('city', 2152)"], LOCAL_CACHE_DIR=folder)
    got = _run([sys.executable, "-c", setup + "print(cache.get('city'))"], LOCAL_CACHE_DIR=folder)

    assert put.returncode == 0, put.stderr
    assert got.stdout.strip().splitlines()[-1] == "2152"


def test_with_redis_url_the_broker_and_cache_use_redis():
    redis_url = "redis://127.0.0.1:6379/0"

    values = _settings_with(REDIS_URL=redis_url)

    assert values["CELERY_BROKER_URL"] == redis_url
    # Nothing reads task results: no backend to subscribe to (and to hang on) before a publish.
    assert values["CELERY_RESULT_BACKEND"] is None
    assert values["CELERY_TASK_IGNORE_RESULT"] is True
    assert values["CACHE_BACKEND"] == "django_redis.cache.RedisCache"
    assert values["CACHE_LOCATION"] == redis_url
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_login_counters_share_redis_but_raise_its_errors():
    # accounts.lockout tells "Redis down" from "no failures yet" only if errors are raised.
    redis_url = "redis://127.0.0.1:6379/0"

    counters = _settings_with(REDIS_URL=redis_url)["LOGIN_ATTEMPTS_CACHE"]
    embedded = _settings_with()["LOGIN_ATTEMPTS_CACHE"]

    assert counters["BACKEND"] == "django_redis.cache.RedisCache"
    assert counters["LOCATION"] == redis_url
    assert "IGNORE_EXCEPTIONS" not in counters["OPTIONS"]
    assert counters["OPTIONS"]["SOCKET_TIMEOUT"] <= 0.5
    assert embedded["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_database_url_selects_the_database():
    values = _settings_with(DATABASE_URL="postgres://walkup:secret@db.internal:5432/walkup")

    assert values["DATABASE_ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASE_NAME"] == "walkup"


# --- Celery app ------------------------------------------------------------------------


def test_celery_accepts_and_sends_json_only():
    conf = celery_app.conf

    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]


def test_celery_acknowledges_late_with_time_limits():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_celery_gives_up_publishing_within_a_second_when_redis_is_down():
    conf = celery_app.conf
    policy = conf.task_publish_retry_policy
    attempts = policy["max_retries"] + 1
    waits = policy["max_retries"] * policy["interval_max"]
    # a black hole: each attempt connects, then waits for an answer that never comes
    per_attempt = conf.broker_transport_options["socket_timeout"]

    assert conf.broker_transport_options["socket_connect_timeout"] <= per_attempt
    assert attempts * per_attempt + waits <= 1.0
    assert conf.broker_connection_timeout <= 1.0


def test_celery_discovers_the_listing_tasks():
    celery_app.loader.import_default_modules()

    assert "listings.tasks.refresh_city_market_stats" in celery_app.tasks


def test_celery_beat_schedules_a_registered_task():
    celery_app.loader.import_default_modules()

    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks
