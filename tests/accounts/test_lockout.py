"""One log-in lock-out for every door: per username and per real client address, growing."""

import logging
import socket

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.lockout import LoginAttemptHandler, parse_rate
from tests.accounts.factories import PASSWORD, BuyerFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token/"
ATTACKER = "203.0.113.9"
DOORS = ["web", "api"]
SUCCESS = {"web": 302, "api": 200}
WRONG_PASSWORD = {"web": 200, "api": 400}


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = "3/d"
    settings.LOGIN_FAILURES_PER_ADDRESS = "6/h"
    settings.LOGIN_LOCKOUT_SECONDS = 60
    settings.LOGIN_LOCKOUT_MAX_SECONDS = 3600
    return settings


def attempt(door, username, password, *, address=ATTACKER, forwarded_for=None, language="en"):
    """One log-in from a client without cookies, as a script would send it."""
    client_class = Client if door == "web" else APIClient
    client = client_class(HTTP_ACCEPT_LANGUAGE=language)
    extra = {"REMOTE_ADDR": address}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    url = LOGIN_URL if door == "web" else TOKEN_URL
    return client.post(url, {"username": username, "password": password}, **extra)


# --- X-Forwarded-For cannot choose who is counted -------------------------------------------


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("trusted_proxies", [[], ["10.0.0.0/8"]], ids=["none", "other"])
def test_rotating_x_forwarded_for_cannot_escape_the_username_lock(limits, door, trusted_proxies):
    limits.TRUSTED_PROXIES = trusted_proxies
    buyer = BuyerFactory()

    guesses = [
        attempt(door, buyer.username, f"guess-{n}", forwarded_for=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    right = attempt(door, buyer.username, PASSWORD, forwarded_for="198.51.100.99")

    assert guesses == [WRONG_PASSWORD[door]] * 2 + [429]
    assert right.status_code == 429
    assert int(right["Retry-After"]) == 60


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("trusted_proxies", [[], ["10.0.0.0/8"]], ids=["none", "other"])
def test_rotating_x_forwarded_for_cannot_escape_the_address_lock(limits, door, trusted_proxies):
    limits.TRUSTED_PROXIES = trusted_proxies
    buyer = BuyerFactory()

    guesses = [
        attempt(door, f"someone{n}", "123456", forwarded_for=f"198.51.100.{n}").status_code
        for n in range(6)
    ]
    right = attempt(door, buyer.username, PASSWORD, forwarded_for="198.51.100.99")

    assert guesses == [WRONG_PASSWORD[door]] * 5 + [429]
    assert right.status_code == 429
    assert "Retry-After" in right


@pytest.mark.parametrize("door", DOORS)
def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(limits, door):
    limits.TRUSTED_PROXIES = ["10.0.0.1"]
    buyer = BuyerFactory()
    for n in range(6):
        # Whatever the client wrote on the left, the proxy's own entry is the one believed.
        attempt(
            door,
            f"someone{n}",
            "123456",
            address="10.0.0.1",
            forwarded_for=f"192.0.2.{n}, 198.51.100.7",
        )

    same_client = attempt(
        door, buyer.username, PASSWORD, address="10.0.0.1", forwarded_for="198.51.100.7"
    )
    other_client = attempt(
        door, buyer.username, PASSWORD, address="10.0.0.1", forwarded_for="198.51.100.8"
    )

    assert same_client.status_code == 429
    assert other_client.status_code == SUCCESS[door]


@pytest.mark.parametrize("door", DOORS)
def test_a_username_is_locked_from_every_address(limits, door):
    buyer, neighbour = BuyerFactory(), BuyerFactory()
    for n in range(3):
        attempt(door, buyer.username, f"guess-{n}", address=f"198.51.100.{n}")

    from_a_new_address = attempt(door, buyer.username, PASSWORD, address="192.0.2.50")
    neighbour_from_there = attempt(door, neighbour.username, PASSWORD, address="198.51.100.1")

    assert from_a_new_address.status_code == 429
    assert neighbour_from_there.status_code == SUCCESS[door]


def test_the_username_is_counted_whatever_its_case(limits):
    BuyerFactory(username="Wang")
    for username in ("wang", "WANG", "Wang"):
        attempt("api", username, "guess", address=f"198.51.100.{len(username)}")

    assert attempt("api", "Wang", PASSWORD).status_code == 429


def test_addresses_in_one_ipv6_network_are_one_client(limits):
    buyer = BuyerFactory()
    for n in range(6):
        attempt("api", f"someone{n}", "123456", address=f"2001:db8:1:2::{n + 1:x}")

    same_network = attempt("api", buyer.username, PASSWORD, address="2001:db8:1:2::ff")
    next_network = attempt("api", buyer.username, PASSWORD, address="2001:db8:1:3::1")

    assert same_network.status_code == 429
    assert next_network.status_code == 200


def test_a_dormitory_behind_one_address_is_not_locked_out_by_default(settings):
    # Defaults: many buyers behind one NAT address, each mistyping once, all get in.
    buyers = BuyerFactory.create_batch(40)

    statuses = []
    for buyer in buyers:
        statuses.append(attempt("api", buyer.username, "typo", address="198.51.100.1").status_code)
        statuses.append(
            attempt("api", buyer.username, PASSWORD, address="198.51.100.1").status_code
        )

    assert statuses == [400, 200] * 40
    username_limit = parse_rate(settings.LOGIN_FAILURES_PER_USERNAME)[0]
    address_limit = parse_rate(settings.LOGIN_FAILURES_PER_ADDRESS)[0]
    assert address_limit >= 20 * username_limit


# --- growing lock-out ------------------------------------------------------------------------


def test_the_lock_out_doubles_with_each_failure_after_it(limits, clock):
    limits.LOGIN_LOCKOUT_MAX_SECONDS = 600
    buyer = BuyerFactory()
    for n in range(2):
        attempt("api", buyer.username, f"guess-{n}")

    retry_afters = []
    for n in range(6):
        response = attempt("api", buyer.username, f"more-{n}")
        assert response.status_code == 429
        retry_afters.append(int(response["Retry-After"]))
        clock.advance(seconds=retry_afters[-1])

    assert retry_afters == [60, 120, 240, 480, 600, 600]


def test_attempts_refused_during_a_lock_out_do_not_lengthen_it(limits, clock):
    buyer = BuyerFactory()
    for n in range(3):
        attempt("api", buyer.username, f"guess-{n}")
    clock.advance(seconds=20)

    during = [int(attempt("api", buyer.username, "again")["Retry-After"]) for _ in range(5)]
    clock.advance(seconds=40)
    after = attempt("api", buyer.username, PASSWORD)

    assert during == [40] * 5
    assert after.status_code == 200


def test_a_log_in_forgives_the_username_but_not_the_address(limits):
    buyer = BuyerFactory()
    for n in range(2):
        attempt("api", buyer.username, f"guess-{n}")
    assert attempt("api", buyer.username, PASSWORD).status_code == 200

    # The username starts afresh: two more failures do not lock it...
    assert [attempt("api", buyer.username, f"typo-{n}").status_code for n in range(2)] == [400] * 2
    # ...but the address still counts all four, and its 6th failure locks it for everyone.
    assert attempt("api", "somebody-else", "123456").status_code == 400
    assert attempt("api", "somebody-else", "654321").status_code == 429
    assert attempt("api", buyer.username, PASSWORD).status_code == 429


def test_staff_can_end_a_lock_out_by_hand(limits):
    buyer = BuyerFactory()
    for n in range(3):
        attempt("api", buyer.username, f"guess-{n}", address=f"198.51.100.{n}")

    call_command("axes_reset_username", buyer.username, stdout=None)

    assert attempt("api", buyer.username, PASSWORD).status_code == 200


# --- what each door says ----------------------------------------------------------------------


def test_the_log_in_page_says_when_to_try_again_and_keeps_the_username(limits):
    buyer = BuyerFactory(username="lin88")
    for n in range(2):
        attempt("web", "lin88", f"guess-{n}")

    response = attempt("web", "lin88", "secret-guess")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Too many failed log-ins. Try again in 1 minute." in html
    assert "not right" not in html
    assert "correct username" not in html
    assert 'value="lin88"' in html
    assert "secret-guess" not in html
    assert 'name="password"' in html
    assert attempt("web", buyer.username, PASSWORD).status_code == 429


def test_the_lock_out_message_is_in_chinese_for_chinese_readers(limits):
    BuyerFactory(username="lin88")
    for n in range(3):
        response = attempt("web", "lin88", f"guess-{n}", language="zh-hans")

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_the_api_answers_429_with_retry_after(limits):
    buyer = BuyerFactory()
    for n in range(3):
        attempt("api", buyer.username, f"guess-{n}")

    response = attempt("api", buyer.username, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "detail": "Too many failed log-ins. Try again in 1 minute.",
        "retry_after": 60,
    }


@pytest.mark.parametrize("door", DOORS)
def test_a_wrong_password_below_the_limit_is_the_usual_answer(limits, door):
    buyer = BuyerFactory()

    response = attempt(door, buyer.username, "wrong")

    assert response.status_code == WRONG_PASSWORD[door]
    assert "Retry-After" not in response


def test_the_admin_log_in_is_locked_out_too(limits):
    admin = SuperuserFactory()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(3):
        response = client.post(
            "/admin/login/", {"username": admin.username, "password": f"guess-{n}"}
        )

    right = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})

    assert response.status_code == 429
    assert right.status_code == 429
    assert right["Retry-After"] == "60"
    assert "Too many failed log-ins" in right.content.decode()
    assert "_auth_user_id" not in client.session


# --- Redis down: the counters fail open --------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_redis(settings):
    """Every cache pointed at a port where nothing listens, as when Redis is down."""
    location = f"redis://127.0.0.1:{_closed_port()}/1"
    options = {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25}
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": {**options, "IGNORE_EXCEPTIONS": True},
        },
        "login_attempts": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": options,
        },
    }


@pytest.mark.parametrize("door", DOORS)
def test_log_in_works_while_the_counters_cannot_be_reached(dead_redis, door, caplog):
    buyer = BuyerFactory()

    with caplog.at_level(logging.WARNING, logger="accounts.lockout"):
        wrong = attempt(door, buyer.username, "wrong")
        right = attempt(door, buyer.username, PASSWORD)

    assert wrong.status_code == WRONG_PASSWORD[door]
    assert right.status_code == SUCCESS[door]
    assert "Login attempt counters unreachable" in caplog.text


class SilentCache:
    """A cache whose every call fails after a socket timeout, as a Redis that does not answer."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, method):
        def call(*args, **kwargs):
            self.calls.append(method)
            raise TimeoutError("Redis did not answer")

        return call


@pytest.mark.parametrize("door", DOORS)
def test_a_silent_cache_costs_each_log_in_one_timeout(monkeypatch, door):
    silent = SilentCache()
    monkeypatch.setattr(LoginAttemptHandler, "cache", property(lambda _handler: silent))
    buyer = BuyerFactory()

    wrong = attempt(door, buyer.username, "wrong")
    right = attempt(door, buyer.username, PASSWORD)

    assert (wrong.status_code, right.status_code) == (WRONG_PASSWORD[door], SUCCESS[door])
    assert silent.calls == ["get_many", "get_many"]


def test_sign_up_works_while_the_cache_cannot_be_reached(dead_redis, api_client):
    response = api_client.post(
        "/api/v1/auth/register/", {"username": "lin", "password": "snowy-hegang-flat-1987"}
    )

    assert response.status_code == 201


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("5/d", (5, 86400)), ("100/h", (100, 3600)), ("20/15m", (20, 900)), ("3/s", (3, 1))],
)
def test_parse_rate(rate, expected):
    assert parse_rate(rate) == expected


def test_parse_rate_refuses_nonsense():
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate("five a day")
