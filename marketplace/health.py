"""What the load balancer and Prometheus ask each web process.

- /healthz: the process answers (no dependency checked): restart it if not.
- /readyz: what it depends on. 503 when the primary database or the media storage fails, so
  the balancer sends requests elsewhere; the replica and Redis are reported but never make it
  unready, because the site works without them (reads on the primary, cache and limits open).
- /metrics: Prometheus, only to METRICS_ALLOWED_NETWORKS (every process of this machine when
  PROMETHEUS_MULTIPROC_DIR is set), plus the Celery queue lengths.
"""

import ipaddress
import logging
import os

from django.conf import settings
from django.core.files.storage import storages
from django.db import connections
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from marketplace import replica
from marketplace.observability import QueueLengthCollector

logger = logging.getLogger(__name__)

# A name no upload can take (uploads are saved under folders): asking for it costs one request.
STORAGE_PROBE_NAME = "readyz-probe"


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    checks = {
        "database": _check(_database),
        "storage": _check(_storage),
        "replica": _check(_replica) if replica.replica_configured() else "not configured",
        "redis": _check(_redis) if settings.REDIS_URL else "not configured",
    }
    ready = checks["database"] == "ok" and checks["storage"] == "ok"
    return JsonResponse(
        {"status": "ready" if ready else "unready", "checks": checks},
        status=200 if ready else 503,
    )


def _check(probe) -> str:
    try:
        return probe() or "ok"
    except Exception as error:
        logger.warning("readyz: %s failed: %s", probe.__name__.strip("_"), error)
        return f"failed: {type(error).__name__}"


def _database():
    with connections[replica.PRIMARY].cursor() as cursor:
        cursor.execute("SELECT 1")


def _replica():
    lag = replica.replica_lag_seconds()
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        return f"lagging {lag:.1f} s: reads on the primary"
    return None


def _storage():
    storages["default"].exists(STORAGE_PROBE_NAME)
    storages["private"].exists(STORAGE_PROBE_NAME)


def _redis():
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


@never_cache
@require_safe
def metrics(request):
    if not _metrics_allowed(request.META.get("REMOTE_ADDR", "")):
        raise Http404
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    output = generate_latest(registry)
    output += generate_latest(_queue_registry())
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)


def _queue_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueLengthCollector())
    return registry


def _metrics_allowed(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        client in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )
