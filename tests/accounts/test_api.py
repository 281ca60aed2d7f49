from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import User
from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory

pytestmark = pytest.mark.django_db

REGISTER_URL = "/api/v1/auth/register/"
TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/me/"
STRONG_PASSWORD = "snowy-hegang-flat-1987"


def _login(api_client, user) -> str:
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _me(api_client, token):
    return api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {token}")


# --- register -----------------------------------------------------------------


def test_register_creates_a_buyer(api_client):
    response = api_client.post(
        REGISTER_URL, {"username": "lin", "password": STRONG_PASSWORD, "email": "lin@example.com"}
    )

    assert response.status_code == 201
    assert response.json()["role"] == "buyer"
    assert "password" not in response.json()
    user = User.objects.get(username="lin")
    assert user.check_password(STRONG_PASSWORD)


def test_register_ignores_a_requested_agent_role_or_staff_flag(api_client):
    response = api_client.post(
        REGISTER_URL,
        {
            "username": "sneaky",
            "password": STRONG_PASSWORD,
            "role": "agent",
            "is_staff": True,
            "is_superuser": True,
        },
    )

    assert response.status_code == 201
    assert response.json()["role"] == "buyer"
    user = User.objects.get(username="sneaky")
    assert (user.role, user.is_staff, user.is_superuser) == ("buyer", False, False)
    assert not user.groups.exists()


def test_register_refuses_a_username_taken_in_another_case(api_client):
    BuyerFactory(username="Wang")

    response = api_client.post(REGISTER_URL, {"username": "wang", "password": STRONG_PASSWORD})

    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.filter(username__iexact="wang").count() == 1


@pytest.mark.parametrize("password", ["short", "12345678901", "password123", "zhangwei1"])
def test_register_refuses_a_weak_password(api_client, password):
    response = api_client.post(
        REGISTER_URL, {"username": "zhangwei", "password": password}, format="json"
    )

    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="zhangwei").exists()


def test_register_names_every_missing_field(api_client):
    response = api_client.post(REGISTER_URL, {})

    assert response.status_code == 400
    assert set(response.json()) >= {"username", "password"}


def test_register_refuses_an_invalid_username(api_client):
    response = api_client.post(REGISTER_URL, {"username": "has space", "password": STRONG_PASSWORD})

    assert response.status_code == 400
    assert "username" in response.json()


# --- token, me, logout ------------------------------------------------------------


def test_login_returns_a_token_that_authenticates_me(api_client):
    buyer = BuyerFactory()

    token = _login(api_client, buyer)
    response = _me(api_client, token)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == buyer.pk
    assert body["username"] == buyer.username
    assert body["role"] == "buyer"
    assert body["agent_profile"] is None


def test_login_response_gives_the_token_expiry(api_client):
    buyer = BuyerFactory()

    response = api_client.post(TOKEN_URL, {"username": buyer.username, "password": PASSWORD})

    assert response.json()["expiry"]


def test_me_shows_the_agent_profile_for_agents(api_client):
    agent = AgentFactory(profile__agency_name="Hegang Homes")

    response = _me(api_client, _login(api_client, agent))

    assert response.status_code == 200
    assert response.json()["role"] == "agent"
    assert response.json()["agent_profile"]["agency_name"] == "Hegang Homes"


def test_login_with_a_wrong_password_is_refused(api_client):
    buyer = BuyerFactory()

    response = api_client.post(TOKEN_URL, {"username": buyer.username, "password": "wrong-one"})

    assert response.status_code == 400
    assert "token" not in response.json()
    assert not AuthToken.objects.exists()


def test_login_with_missing_fields_is_refused(api_client):
    response = api_client.post(TOKEN_URL, {"username": "someone"})

    assert response.status_code == 400
    assert "password" in response.json()


def test_login_of_an_inactive_user_is_refused(api_client):
    buyer = BuyerFactory(is_active=False)

    response = api_client.post(TOKEN_URL, {"username": buyer.username, "password": PASSWORD})

    assert response.status_code == 400


def test_tokens_are_stored_hashed(api_client):
    buyer = BuyerFactory()

    token = _login(api_client, buyer)

    row = AuthToken.objects.get(user=buyer)
    stored = [str(getattr(row, field.attname)) for field in AuthToken._meta.concrete_fields]
    assert token not in stored
    assert all(token not in value for value in stored)


def test_each_login_gives_a_separate_token(api_client):
    buyer = BuyerFactory()

    first, second = _login(api_client, buyer), _login(api_client, buyer)

    assert first != second
    assert AuthToken.objects.filter(user=buyer).count() == 2
    assert _me(api_client, first).status_code == 200
    assert _me(api_client, second).status_code == 200


def test_logout_revokes_only_the_token_it_was_made_with(api_client):
    buyer = BuyerFactory()
    phone, laptop = _login(api_client, buyer), _login(api_client, buyer)

    response = api_client.post(LOGOUT_URL, HTTP_AUTHORIZATION=f"Token {phone}")

    assert response.status_code == 204
    assert _me(api_client, phone).status_code == 401
    assert _me(api_client, laptop).status_code == 200


def test_logout_without_a_token_is_unauthorised(api_client):
    response = api_client.post(LOGOUT_URL)

    assert response.status_code == 401


def test_an_expired_token_is_refused(api_client):
    buyer = BuyerFactory()
    token = _login(api_client, buyer)
    AuthToken.objects.filter(user=buyer).update(expiry=timezone.now() - timedelta(seconds=1))

    response = _me(api_client, token)

    assert response.status_code == 401
    assert not AuthToken.objects.filter(user=buyer).exists()


def test_an_unknown_token_is_refused(api_client):
    response = _me(api_client, "not-a-real-token")

    assert response.status_code == 401


def test_me_for_anonymous_is_unauthorised(api_client):
    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


# --- limits (the rules themselves are tested in test_lockout.py and test_limits.py) ---------


@pytest.fixture
def low_limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = "2/d"
    settings.SIGNUP_RATE = "2/h"


def test_login_is_locked_out_after_failures(api_client, low_limits):
    buyer = BuyerFactory()
    attempt = {"username": buyer.username, "password": "guessing"}

    statuses = [api_client.post(TOKEN_URL, attempt).status_code for _ in range(3)]

    assert statuses == [400, 429, 429]


def test_login_lock_out_also_stops_the_right_password(api_client, low_limits):
    buyer = BuyerFactory()
    api_client.post(TOKEN_URL, {"username": buyer.username, "password": "guess-1"})
    api_client.post(TOKEN_URL, {"username": buyer.username, "password": "guess-2"})

    response = api_client.post(TOKEN_URL, {"username": buyer.username, "password": PASSWORD})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert not AuthToken.objects.exists()


def test_register_is_limited(api_client, low_limits):
    statuses = [
        api_client.post(
            REGISTER_URL, {"username": f"newbie{n}", "password": STRONG_PASSWORD}
        ).status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert not User.objects.filter(username="newbie2").exists()


def test_default_register_rate_allows_five_an_hour(api_client):
    statuses = [
        api_client.post(
            REGISTER_URL, {"username": f"newbie{n}", "password": STRONG_PASSWORD}
        ).status_code
        for n in range(6)
    ]

    assert statuses == [201] * 5 + [429]


def test_using_a_token_writes_its_expiry_at_most_once_an_hour(
    api_client, django_assert_num_queries, settings
):
    buyer = BuyerFactory()
    token = _login(api_client, buyer)
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    refreshed_59_minutes_ago = timezone.now() + ttl - timedelta(minutes=59)
    AuthToken.objects.filter(user=buyer).update(expiry=refreshed_59_minutes_ago)

    # The token with its user; the user's tokens (knox's clean-up of expired ones); the
    # listings. No UPDATE of the token.
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/listings/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert AuthToken.objects.get(user=buyer).expiry == refreshed_59_minutes_ago

    AuthToken.objects.filter(user=buyer).update(expiry=timezone.now() + ttl - timedelta(minutes=61))
    assert _me(api_client, token).status_code == 200
    assert AuthToken.objects.get(user=buyer).expiry > timezone.now() + ttl - timedelta(minutes=1)
