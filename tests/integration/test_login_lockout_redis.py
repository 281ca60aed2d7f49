"""Against the machine's Redis: failed log-ins are counted where every web process sees them."""

from uuid import uuid4

import pytest
import redis
from django.core.cache import caches

from accounts.lockout import address_counter, username_counter
from tests.accounts.factories import PASSWORD, BuyerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TOKEN_URL = "/api/v1/auth/token/"


def test_failed_log_ins_are_counted_and_locked_in_redis(settings, api_client):
    settings.LOGIN_FAILURES_PER_USERNAME = "2/d"
    settings.LOGIN_LOCKOUT_SECONDS = 60
    buyer = BuyerFactory(username=f"lockout-{uuid4().hex[:12]}")
    address = f"198.51.100.{uuid4().int % 250 + 1}"
    counters = caches["login_attempts"]
    keys = [
        key
        for counter in (username_counter(buyer.username), address_counter(address))
        for key in (counter.failures_key, counter.locked_until_key)
    ]
    try:
        for guess in ("guess-1", "guess-2"):
            api_client.post(
                TOKEN_URL, {"username": buyer.username, "password": guess}, REMOTE_ADDR=address
            )
        right = api_client.post(
            TOKEN_URL, {"username": buyer.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.1"
        )

        assert right.status_code == 429
        assert right["Retry-After"] == "60"
        failures_key = username_counter(buyer.username).failures_key
        # In Redis itself, seen by another connection, with the window kept by each increment.
        seen_elsewhere = redis.Redis.from_url(settings.REDIS_URL)
        assert seen_elsewhere.get(counters.make_key(failures_key)) == b"2"
        assert 86000 < seen_elsewhere.ttl(counters.make_key(failures_key)) <= 86400
    finally:
        counters.delete_many(keys)
