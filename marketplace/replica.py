"""Reads of public pages from the read replica; everything else from the primary.

A request may read from the replica (`DATABASES["replica"]`, set by DATABASE_REPLICA_URL) only
when all of these hold:
- it is a GET or HEAD of a view named in REPLICA_READ_VIEWS (search, listing pages, the public
  listings API);
- nobody is signed in and it carries no API token;
- it carries no read-your-writes cookie: any POST, PUT, PATCH or DELETE leaves one, signed, for
  READ_YOUR_WRITES_SECONDS, so whoever just wrote (or just signed up) reads the primary;
- the replica answers and replays within REPLICA_MAX_LAG_SECONDS of what it received, checked at
  most every REPLICA_CHECK_SECONDS per process. Otherwise the primary answers, with one log line
  when the replica goes bad and one when it comes back.

Writes always go to the primary (`ReplicaRouter.db_for_write`), and so do tasks and commands.
"""

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
WROTE_COOKIE = "walkup_wrote"
_COOKIE_SALT = "marketplace.replica.read-your-writes"
ROUTER = "marketplace.replica.ReplicaRouter"
SAFE_METHODS = frozenset({"GET", "HEAD"})

DB_CONNECTION_ERRORS = (OperationalError, InterfaceError)

# True while a request that may read from the replica is being answered.
_replica_reads: ContextVar[bool] = ContextVar("walkup_replica_reads", default=False)
# True once a query of this request went to the replica (for the request log).
_served_by_replica: ContextVar[bool] = ContextVar("walkup_served_by_replica", default=False)

# The SQL that says how far behind the replica is, in seconds: nothing when everything received
# is replayed (an idle primary sends nothing, so the last replay's age alone would grow forever).
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN NULL
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
    END
"""


@dataclass
class ReplicaState:
    usable: bool = True
    checked_at: float = float("-inf")
    reason: str = ""


_state = ReplicaState()


def replica_configured() -> bool:
    """A replica alias, and this router to use it (settings set both from DATABASE_REPLICA_URL)."""
    return REPLICA in settings.DATABASES and ROUTER in settings.DATABASE_ROUTERS


def replica_lag_seconds() -> float:
    """How far the replica is behind (0 when caught up); raises DatabaseError when it is down."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return 0.0  # a test mirror of the primary
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        (lag,) = cursor.fetchone()
    if lag is None:
        raise DatabaseError("the replica is not in recovery: it is no replica")
    return float(lag)


def replica_usable() -> bool:
    """Whether the replica may answer now; checked at most every REPLICA_CHECK_SECONDS."""
    now = time.monotonic()
    if now - _state.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _state.usable
    _state.checked_at = now
    try:
        lag = replica_lag_seconds()
    except Exception as error:  # down, refusing, timed out: the primary answers
        connections[REPLICA].close()
        return _set_state(False, f"down ({type(error).__name__}: {error})".strip())
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        return _set_state(False, f"{lag:.1f} s behind")
    return _set_state(True, "")


def _set_state(usable: bool, reason: str) -> bool:
    if usable and not _state.usable:
        logger.warning("Read replica back: public reads go to it again.")
    elif not usable and _state.usable:
        logger.warning("Read replica %s: reads go to the primary.", reason)
    _state.usable, _state.reason = usable, reason
    return usable


def reset_state() -> None:
    """Forget the last check (tests, and a process that forks after checking)."""
    _state.usable, _state.checked_at, _state.reason = True, float("-inf"), ""


def served_by_replica() -> bool:
    return _served_by_replica.get()


class ReplicaRouter:
    """Routes reads to the replica inside a request the middleware allowed; never a write."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and replica_usable():
            _served_by_replica.set(True)
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _wrote_recently(request) -> bool:
    return (
        request.get_signed_cookie(
            WROTE_COOKIE,
            default=None,
            salt=_COOKIE_SALT,
            max_age=settings.READ_YOUR_WRITES_SECONDS,
        )
        is not None
    )


def may_read_replica(request, view_name: str | None) -> bool:
    return (
        replica_configured()
        and request.method in SAFE_METHODS
        and view_name in settings.REPLICA_READ_VIEWS
        and not request.user.is_authenticated
        and "HTTP_AUTHORIZATION" not in request.META
        and not _wrote_recently(request)
    )


class ReplicaReadsMiddleware:
    """Lets the router use the replica for this request, and leaves the read-your-writes cookie
    on every request that may have written. `request.served_by_replica` says if it did."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = _replica_reads.set(False)
        served = _served_by_replica.set(False)
        try:
            response = self.get_response(request)
            request.served_by_replica = _served_by_replica.get()
        finally:
            _replica_reads.reset(reads)
            _served_by_replica.reset(served)
        if request.method not in SAFE_METHODS and request.method != "OPTIONS":
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=_COOKIE_SALT,
                max_age=settings.READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_exception(self, request, exception):
        """The replica went away in the middle of this read (stopped, connection cut): mark it
        down, and answer the same anonymous GET from the primary, once."""
        if not (isinstance(exception, DB_CONNECTION_ERRORS) and _served_by_replica.get()):
            return None
        _state.checked_at = time.monotonic()
        _set_state(False, f"failed mid-request ({type(exception).__name__}: {exception})".strip())
        connections[REPLICA].close()
        _replica_reads.set(False)
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Here, not in __call__: the user is known, and so is the view.
        match = request.resolver_match
        if match is not None and may_read_replica(request, match.view_name):
            _replica_reads.set(True)
