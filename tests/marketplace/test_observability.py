"""Request ids, one JSON log line per request, and the id carried into the tasks queued."""

import json
import logging

import pytest
from django.urls import reverse

from marketplace import observability
from marketplace.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The request log as the JSON formatter writes it (LOG_FORMAT=json)."""
    from pythonjsonlogger.json import JsonFormatter

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(self.format(record)))

    handler = Keep()
    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
    )
    handler.addFilter(observability.RequestIdFilter())
    logger = logging.getLogger("walkup.request")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_every_request_gets_an_id_in_its_answer_and_one_json_log_line(client, json_lines):
    response = client.get(reverse("listings:search"))

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = json_lines
    assert line["request_id"] == request_id
    assert line["method"] == "GET"
    assert line["path"] == "/listings/"
    assert line["status"] == 200
    assert line["view"] == "listings:search"
    assert line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["replica"] is False


def test_the_proxys_request_id_is_kept_only_from_a_trusted_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    offered = "0123456789abcdef0123456789abcdef"

    from_proxy = client.get("/healthz", REMOTE_ADDR="10.0.0.5", HTTP_X_REQUEST_ID=offered)
    from_stranger = client.get("/healthz", REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID=offered)
    forged = client.get("/healthz", REMOTE_ADDR="10.0.0.5", HTTP_X_REQUEST_ID="a\nforged line")

    assert from_proxy["X-Request-ID"] == offered
    assert from_stranger["X-Request-ID"] != offered
    assert "\n" not in forged["X-Request-ID"]


def test_a_failing_view_is_logged_as_a_500(client, json_lines, monkeypatch):
    from listings import views

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "cities_with_market", broken)
    client.raise_request_exception = False

    response = client.get(reverse("home"))

    assert response.status_code == 500
    assert [line["status"] for line in json_lines] == [500]


def test_a_task_queued_by_a_request_carries_its_id_to_the_worker(monkeypatch):
    """Published for real (the in-memory broker), read back, then run as the worker would."""
    from notifications.tasks import send_due_notification_emails

    celery_app.conf.task_always_eager = False  # the autouse fixture sets it back
    token = observability._request_id.set("feedfacefeedface")
    try:
        send_due_notification_emails.apply_async()
    finally:
        observability._request_id.reset(token)
        celery_app.conf.task_always_eager = True

    with celery_app.connection_for_read() as connection:
        message = connection.SimpleQueue("default", no_ack=True).get(timeout=2)
    assert message.headers["request_id"] == "feedfacefeedface"

    seen = []
    monkeypatch.setattr(
        "notifications.tasks.services.emails_send_due",
        lambda **kwargs: seen.append(observability.current_request_id()) or 0,
    )
    send_due_notification_emails.apply(headers={"request_id": "feedfacefeedface"})
    assert seen == ["feedfacefeedface"]
    assert observability.current_request_id() == ""
