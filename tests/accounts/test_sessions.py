"""Sessions and API tokens end when the password changes, or when the user says so."""

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from tests.accounts.factories import PASSWORD, BuyerFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "snowy-hegang-flat-1987"
TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_ALL_URL = "/api/v1/auth/logout-all/"


def logged_in_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def is_logged_in(client) -> bool:
    return client.get(reverse("password_change")).status_code == 200


def api_token(user, password=PASSWORD) -> str:
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def token_works(token) -> bool:
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


# --- the session hash ------------------------------------------------------------------------


def test_sessions_made_before_the_upgrade_stay_valid():
    buyer = BuyerFactory()

    assert buyer.session_generation == 0
    assert buyer.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(buyer)


def test_ending_sessions_changes_the_hash_and_the_fallback_hashes(settings):
    settings.SECRET_KEY_FALLBACKS = ["an-old-key-" + "x" * 40]
    buyer = BuyerFactory()
    before = (buyer.get_session_auth_hash(), list(buyer.get_session_auth_fallback_hash()))

    services.user_end_sessions(user=buyer)

    after = (buyer.get_session_auth_hash(), list(buyer.get_session_auth_fallback_hash()))
    assert before[0] != after[0]
    assert set(before[1]).isdisjoint(after[1])


def test_a_session_signed_with_a_retired_key_ends_too(settings):
    old_key = "an-old-key-" + "x" * 40
    settings.SECRET_KEY = old_key
    buyer, bystander = BuyerFactory(), BuyerFactory()
    laptop, bystanders_laptop = logged_in_client(buyer), logged_in_client(bystander)
    settings.SECRET_KEY = "the-new-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]

    services.user_end_sessions(user=buyer)

    assert not is_logged_in(laptop)
    assert is_logged_in(bystanders_laptop)  # Django honours the retired key for the others


# --- password change ---------------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others_and_every_token():
    buyer = BuyerFactory()
    here, laptop = logged_in_client(buyer), logged_in_client(buyer)
    phone_token = api_token(buyer)
    old_session_key = here.session.session_key

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert is_logged_in(here)
    assert here.session.session_key != old_session_key
    assert not is_logged_in(laptop)
    assert not token_works(phone_token)
    assert token_works(api_token(buyer, NEW_PASSWORD))


def test_password_change_done_says_the_others_were_logged_out():
    client = logged_in_client(BuyerFactory())

    response = client.get(reverse("password_change_done"))

    assert "Every other device and every app has been logged out." in response.content.decode()


def test_a_password_set_by_staff_in_the_admin_ends_sessions_and_tokens():
    buyer = BuyerFactory()
    laptop, phone_token = logged_in_client(buyer), api_token(buyer)
    admin = logged_in_client(SuperuserFactory())

    response = admin.post(
        reverse("admin:auth_user_password_change", args=[buyer.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert not is_logged_in(laptop)
    assert not token_works(phone_token)
    assert is_logged_in(admin)


# --- log out of all devices -------------------------------------------------------------------


def test_the_button_is_on_the_account_page():
    client = logged_in_client(BuyerFactory())

    html = client.get(reverse("password_change")).content.decode()

    assert f'action="{reverse("logout_all")}"' in html
    assert "Log out of all devices" in html


def test_log_out_of_all_devices_on_the_web_ends_everything_this_session_too():
    buyer = BuyerFactory()
    here, laptop = logged_in_client(buyer), logged_in_client(buyer)
    phone_token = api_token(buyer)

    response = here.post(reverse("logout_all"), follow=True)

    assert response.redirect_chain[0] == (reverse("login"), 302)
    assert "You are logged out on every device and in every app." in response.content.decode()
    assert not is_logged_in(here)
    assert not is_logged_in(laptop)
    assert not token_works(phone_token)
    assert token_works(api_token(buyer))  # the password is unchanged: logging in again works


def test_log_out_of_all_devices_needs_a_post_and_a_login():
    client = logged_in_client(BuyerFactory())

    assert client.get(reverse("logout_all")).status_code == 405
    assert is_logged_in(client)
    anonymous = Client().post(reverse("logout_all"))
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))


def test_log_out_of_all_devices_checks_the_csrf_token():
    buyer = BuyerFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)

    response = client.post(reverse("logout_all"))

    assert response.status_code == 403
    assert is_logged_in(client)


def test_the_api_logs_out_every_token_and_session():
    buyer, other = BuyerFactory(), BuyerFactory()
    phone, tablet = api_token(buyer), api_token(buyer)
    laptop = logged_in_client(buyer)
    others_token = api_token(other)

    response = APIClient().post(LOGOUT_ALL_URL, HTTP_AUTHORIZATION=f"Token {phone}")

    assert response.status_code == 204
    assert not token_works(phone)
    assert not token_works(tablet)
    assert not is_logged_in(laptop)
    assert token_works(others_token)


def test_the_api_logout_all_needs_authentication():
    assert APIClient().post(LOGOUT_ALL_URL).status_code == 401


# --- how many tokens one user keeps ---------------------------------------------------------------


def test_a_new_token_beyond_the_cap_drops_the_one_used_longest_ago(settings, clock):
    settings.API_TOKENS_PER_USER = 3
    buyer = BuyerFactory()
    first = api_token(buyer)
    clock.advance(hours=1)
    second = api_token(buyer)
    clock.advance(hours=1)
    third = api_token(buyer)
    clock.advance(hours=1)
    assert token_works(first)  # used now: it is no longer the one used longest ago

    fourth = api_token(buyer)

    assert AuthToken.objects.filter(user=buyer).count() == 3
    assert [token_works(token) for token in (first, second, third, fourth)] == [
        True,
        False,
        True,
        True,
    ]


def test_expired_tokens_do_not_count_and_are_removed(settings):
    settings.API_TOKENS_PER_USER = 2
    buyer = BuyerFactory()
    live = api_token(buyer)
    AuthToken.objects.create(buyer, expiry=-settings.REST_KNOX["TOKEN_TTL"])

    newest = api_token(buyer)

    assert token_works(live)
    assert token_works(newest)
    assert AuthToken.objects.filter(user=buyer).count() == 2


def test_the_default_cap_is_ten(settings):
    assert settings.API_TOKENS_PER_USER == 10
    buyer = BuyerFactory()

    for _ in range(12):
        api_token(buyer)

    assert AuthToken.objects.filter(user=buyer).count() == 10
