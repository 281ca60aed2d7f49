"""New accounts per client address: one allowance for the sign-up page and the API."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
REGISTER_URL = "/api/v1/auth/register/"
PASSWORD = "snowy-hegang-flat-1987"
ADDRESS = "203.0.113.9"


@pytest.fixture
def two_an_hour(settings):
    settings.SIGNUP_RATE = "2/h"


def sign_up(door, username, *, address=ADDRESS, forwarded_for=None, password=PASSWORD):
    extra = {"REMOTE_ADDR": address}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if door == "web":
        data = {"username": username, "email": "", "password1": password, "password2": password}
        return Client(HTTP_ACCEPT_LANGUAGE="en").post(SIGNUP_URL, data, **extra)
    data = {"username": username, "password": password}
    return APIClient(HTTP_ACCEPT_LANGUAGE="en").post(REGISTER_URL, data, **extra)


def test_the_allowance_is_shared_by_the_page_and_the_api(two_an_hour):
    statuses = [
        sign_up("web", "first").status_code,
        sign_up("api", "second").status_code,
        sign_up("web", "third").status_code,
        sign_up("api", "fourth").status_code,
    ]

    assert statuses == [302, 201, 429, 429]
    assert set(User.objects.values_list("username", flat=True)) == {"first", "second"}


def test_the_sign_up_page_says_when_to_try_again_and_keeps_what_was_typed(two_an_hour):
    sign_up("web", "first")
    sign_up("web", "second")

    response = sign_up("web", "xiaoming")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Too many new accounts from your network. Try again in" in html
    assert 'value="xiaoming"' in html


def test_the_api_refusal_is_a_429_with_retry_after(two_an_hour):
    sign_up("api", "first")
    sign_up("api", "second")

    response = sign_up("api", "third")

    assert response.status_code == 429
    assert response.json()["retry_after"] == int(response["Retry-After"])


@pytest.mark.parametrize("door", ["web", "api"])
def test_rotating_x_forwarded_for_cannot_escape_the_limit(two_an_hour, door):
    statuses = [
        sign_up(door, f"newbie{n}", forwarded_for=f"198.51.100.{n}").status_code for n in range(3)
    ]

    assert statuses[-1] == 429
    assert User.objects.count() == 2


def test_other_addresses_have_their_own_allowance(two_an_hour):
    sign_up("web", "first")
    sign_up("api", "second")

    assert sign_up("api", "neighbour", address="198.51.100.1").status_code == 201


def test_refused_forms_do_not_use_the_allowance(two_an_hour):
    mistakes = [sign_up("api", f"weak{n}", password="123").status_code for n in range(3)]

    assert mistakes == [400] * 3
    assert [sign_up("web", "first").status_code, sign_up("api", "second").status_code] == [302, 201]
