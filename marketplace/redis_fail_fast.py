"""The cache's connection to Redis: after a failure it stops trying for a few seconds.

The cache fails open (django-redis IGNORE_EXCEPTIONS), but each call to a Redis that stopped
answering still waits its socket timeout: a listing page makes four cache calls, so a hung
Redis would cost every page a second. Once a connection to a server has failed, every
connection to it in this process fails at once for `SKIP_SECONDS`, then one call tries again.
With Redis down a process pays one timeout every few seconds and logs one line for it.
"""

import logging
import time
from contextlib import contextmanager

from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

SKIP_SECONDS = 5.0

# (host, port, db) -> time.monotonic() until which the server is not tried.
_skipped_until: dict[tuple, float] = {}


class FailFastConnection(Connection):
    def _server(self) -> tuple:
        return (self.host, self.port, self.db)

    @contextmanager
    def _noting_failure(self):
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError) as error:
            server = self._server()
            if _skipped_until.get(server, 0.0) <= time.monotonic():
                logger.warning(
                    "Redis at %s:%s failed (%s); the cache goes without it for %.0f s.",
                    self.host,
                    self.port,
                    error,
                    SKIP_SECONDS,
                )
            _skipped_until[server] = time.monotonic() + SKIP_SECONDS
            raise

    def connect(self):
        if _skipped_until.get(self._server(), 0.0) > time.monotonic():
            raise RedisConnectionError(f"Redis at {self.host}:{self.port} failed a moment ago.")
        with self._noting_failure():
            return super().connect()

    def send_packed_command(self, *args, **kwargs):
        with self._noting_failure():
            return super().send_packed_command(*args, **kwargs)

    def read_response(self, *args, **kwargs):
        with self._noting_failure():
            return super().read_response(*args, **kwargs)
