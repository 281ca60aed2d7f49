"""Request ids, one log line per request, and the Celery metrics Prometheus scrapes.

Every request gets an id: the proxy's X-Request-ID when a trusted proxy (TRUSTED_PROXIES) sent
it, else a new one. It is in every log record of the request (`request_id`), in the response's
X-Request-ID header, and in the headers of every task the request queues, so the worker's log
lines of that task carry it too.

The Celery metrics follow the names of the Celery exporter (danihodovic/celery-exporter):
celery_task_sent_total, celery_task_started_total, celery_task_succeeded_total,
celery_task_failed_total, celery_task_retried_total, celery_task_runtime (seconds) and
celery_queue_length, so its dashboards and alerts apply unchanged.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from celery import signals as celery_signals
from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from marketplace.client_address import is_trusted_proxy

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("walkup.request")

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy is kept only if it looks like one: it ends up in logs and headers.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_request_id: ContextVar[str] = ContextVar("walkup_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def _request_id_for(request) -> str:
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if offered and _REQUEST_ID.match(offered) and is_trusted_proxy(request.META["PEER_ADDR"]):
        return offered
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's (or task's) id on every log record."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class RequestLogMiddleware:
    """One log line per request, after ClientAddressMiddleware (it needs PEER_ADDR)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id_for(request)
        token = _request_id.set(request_id)
        request.request_id = request_id
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            _log_request(request, response.status_code, started)
            return response
        except Exception:
            _log_request(request, 500, started)
            raise
        finally:
            _request_id.reset(token)


def _log_request(request, status: int, started: float) -> None:
    match = getattr(request, "resolver_match", None)
    # The user only if the request already loaded it: the log line costs no query.
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        user = None
    request_logger.info(
        "%s %s %s",
        request.method,
        request.path,
        status,
        extra={
            "method": request.method,
            "path": request.path,
            "status": status,
            "view": match.view_name if match else "",
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "client": request.META.get("REMOTE_ADDR", ""),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "replica": getattr(request, "served_by_replica", False),
        },
    )


# --- Celery: the request id travels with the task; metrics by the exporter's names ------------

TASK_SENT = Counter("celery_task_sent_total", "Tasks sent", ["name", "queue_name"])
TASK_STARTED = Counter("celery_task_started_total", "Tasks started", ["name", "queue_name"])
TASK_SUCCEEDED = Counter(
    "celery_task_succeeded_total", "Tasks that succeeded", ["name", "queue_name"]
)
TASK_FAILED = Counter(
    "celery_task_failed_total", "Tasks that failed", ["name", "queue_name", "exception"]
)
TASK_RETRIED = Counter("celery_task_retried_total", "Tasks retried", ["name", "queue_name"])
TASK_RUNTIME = Histogram(
    "celery_task_runtime",
    "Task run time in seconds",
    ["name", "queue_name"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
_task_started_at: dict[str, float] = {}


def _queue_of(task) -> str:
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or "eager"


@celery_signals.before_task_publish.connect
def _before_publish(sender=None, headers=None, routing_key=None, **kwargs):
    request_id = _request_id.get()
    if headers is not None and request_id:
        headers.setdefault("request_id", request_id)
    TASK_SENT.labels(sender or "", routing_key or "").inc()


@celery_signals.task_prerun.connect
def _task_prerun(task_id=None, task=None, **kwargs):
    # A worker finds the message's own headers on the request; apply(headers=...) nests them.
    request_id = getattr(task.request, "request_id", None) or (
        (getattr(task.request, "headers", None) or {}).get("request_id", "")
    )
    task.request._walkup_request_id_token = _request_id.set(request_id or _request_id.get())
    _task_started_at[task_id] = time.perf_counter()
    TASK_STARTED.labels(task.name, _queue_of(task)).inc()


@celery_signals.task_postrun.connect
def _task_postrun(task_id=None, task=None, state=None, **kwargs):
    started = _task_started_at.pop(task_id, None)
    queue = _queue_of(task)
    if started is not None:
        TASK_RUNTIME.labels(task.name, queue).observe(time.perf_counter() - started)
    if state == "SUCCESS":
        TASK_SUCCEEDED.labels(task.name, queue).inc()
    token = getattr(task.request, "_walkup_request_id_token", None)
    if token is not None:
        _request_id.reset(token)


@celery_signals.task_failure.connect
def _task_failure(sender=None, exception=None, **kwargs):
    TASK_FAILED.labels(sender.name, _queue_of(sender), type(exception).__name__).inc()


@celery_signals.task_retry.connect
def _task_retry(sender=None, **kwargs):
    TASK_RETRIED.labels(sender.name, _queue_of(sender)).inc()


class QueueLengthCollector:
    """celery_queue_length{queue_name}: messages waiting in each Redis queue, read at scrape."""

    def collect(self):
        gauge = GaugeMetricFamily(
            "celery_queue_length", "Messages waiting in the queue", labels=["queue_name"]
        )
        for queue, length in queue_lengths().items():
            gauge.add_metric([queue], length)
        yield gauge


def queue_lengths() -> dict[str, int]:
    if not settings.REDIS_URL:
        return {}
    import redis

    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
    )
    try:
        return {queue: client.llen(queue) for queue in settings.CELERY_QUEUE_NAMES}
    except redis.RedisError:
        logger.warning("Could not read the queue lengths from Redis.")
        return {}
    finally:
        client.close()
