"""What the balancer and Prometheus ask: /healthz, /readyz and /metrics."""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.storage import storages
from django.db import OperationalError

from marketplace import health, replica

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]


def test_healthz_answers_without_asking_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_the_database_and_storage_answer(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "storage": "ok",
            "replica": "not configured",
            "redis": "not configured",
        },
    }


def test_readyz_is_unready_when_the_storage_does_not_answer(client, monkeypatch):
    def down(name):
        raise EndpointConnectionError(endpoint_url="http://s3.invalid")

    monkeypatch.setattr(storages["default"], "exists", down)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "failed: EndpointConnectionError"


def test_readyz_is_unready_when_the_primary_does_not_answer(client, monkeypatch):
    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_database", down)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed: OperationalError"


def test_a_lagging_or_dead_replica_is_reported_but_keeps_the_process_ready(
    client, monkeypatch, settings
):
    """Reads fall back to the primary: taking every web process out would be the outage."""
    settings.DATABASE_ROUTERS = [replica.ROUTER]
    settings.REPLICA_MAX_LAG_SECONDS = 5
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 9.0)

    lagging = client.get("/readyz")

    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(replica, "replica_lag_seconds", down)
    dead = client.get("/readyz")

    assert lagging.status_code == dead.status_code == 200
    assert lagging.json()["checks"]["replica"] == "lagging 9.0 s: reads on the primary"
    assert dead.json()["checks"]["replica"] == "failed: OperationalError"


def test_redis_down_is_reported_but_keeps_the_process_ready(client, settings):
    """The cache and the limits fail open, tasks wait in their outbox rows."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "failed: ConnectionError"


def test_metrics_are_for_this_machine_only(client, settings):
    client.get("/healthz")

    local = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    stranger = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert local.status_code == 200
    body = local.content.decode()
    assert (
        'django_http_responses_total_by_status_view_method_total{method="GET",status="200",view="healthz"}'
        in body
    )
    assert "django_http_requests_latency_seconds_by_view_method" in body
    assert stranger.status_code == 404


def test_metrics_count_tasks_by_the_exporters_names(client):
    from notifications.tasks import send_due_notification_emails

    send_due_notification_emails.apply()

    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    name = "notifications.tasks.send_due_notification_emails"
    assert f'celery_task_started_total{{name="{name}",queue_name="eager"}}' in body
    assert f'celery_task_succeeded_total{{name="{name}",queue_name="eager"}}' in body
    assert f'celery_task_runtime_count{{name="{name}",queue_name="eager"}}' in body
