"""Password reset by email: one answer for every address, a one-use link, everything ends."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.factories import PASSWORD, BuyerFactory

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"
NEW_PASSWORD = "snowy-hegang-flat-1987"
LINK = re.compile(r"http://testserver(/accounts/password/reset/\S+/)")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver"


def ask_for_a_link(email, *, address="203.0.113.9", forwarded_for=None, language="en"):
    extra = {"REMOTE_ADDR": address}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client(HTTP_ACCEPT_LANGUAGE=language).post(RESET_URL, {"email": email}, **extra)


def the_link(message) -> str:
    return LINK.search(message.body).group(1)


def logged_in_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def is_logged_in(client) -> bool:
    return client.get(reverse("password_change")).status_code == 200


def api_token(user) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
    )
    return response.json()["token"]


def token_works(token) -> bool:
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_the_log_in_page_links_to_the_reset(client):
    html = client.get(reverse("login")).content.decode()

    assert f'href="{RESET_URL}"' in html


def test_the_reset_page_renders_with_a_label(client):
    response = client.get(RESET_URL)

    assert response.status_code == 200
    assert 'for="id_email"' in response.content.decode()


def test_the_reset_pages_are_in_chinese_for_chinese_readers():
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(RESET_URL)

    assert "重设密码" in response.content.decode()


def test_a_known_address_gets_a_link_and_an_unknown_one_the_same_answer():
    BuyerFactory(email="lin@example.com")

    known = ask_for_a_link("lin@example.com")
    unknown = ask_for_a_link("nobody@example.com")

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert known.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lin@example.com"]
    done = Client().get(known.url).content.decode()
    assert "If an account uses that email address" in done


def test_the_email_is_in_the_users_language_whatever_the_page_was_read_in():
    BuyerFactory(username="lin88", email="lin@example.com", language="zh-hans")

    ask_for_a_link("LIN@example.com", language="en")

    message = mail.outbox[0]
    assert message.subject == "设置新的走楼密码"
    assert "lin88" in message.body
    assert LINK.search(message.body)


def test_the_link_sets_a_new_password_once_and_ends_every_session_and_token(
    django_capture_on_commit_callbacks,
):
    buyer = BuyerFactory(email="lin@example.com")
    phone_token, laptop = api_token(buyer), logged_in_client(buyer)
    ask_for_a_link("lin@example.com")
    link = the_link(mail.outbox[0])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")

    form_page = browser.get(link, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

    assert done.status_code == 302
    assert done.url == reverse("password_reset_complete")
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    assert not is_logged_in(laptop)
    assert not token_works(phone_token)
    assert not AuthToken.objects.filter(user=buyer).exists()
    complete = browser.get(done.url).content.decode()
    assert "logged out on every device" in complete
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(link, follow=True)
    assert "This link does not work" in again.content.decode()


def test_a_reset_ends_a_lock_out_of_the_username(settings, django_capture_on_commit_callbacks):
    settings.LOGIN_FAILURES_PER_USERNAME = "2/d"
    buyer = BuyerFactory(email="lin@example.com")
    for guess in ("guess-1", "guess-2"):
        APIClient().post(
            "/api/v1/auth/token/",
            {"username": buyer.username, "password": guess},
            REMOTE_ADDR="198.51.100.66",
        )
    ask_for_a_link("lin@example.com")
    browser = Client()
    form_page = browser.get(the_link(mail.outbox[0]), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": buyer.username, "password": NEW_PASSWORD}
    )

    assert response.status_code == 200


def test_a_weak_new_password_is_refused_and_the_link_still_works():
    buyer = BuyerFactory(email="lin@example.com")
    ask_for_a_link("lin@example.com")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    form_page = browser.get(the_link(mail.outbox[0]), follow=True)

    response = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_inactive_users_get_no_email():
    BuyerFactory(email="gone@example.com", is_active=False)

    response = ask_for_a_link("gone@example.com")

    assert response.status_code == 302
    assert mail.outbox == []


# --- limits --------------------------------------------------------------------------------


@pytest.fixture
def low_reset_rates(settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "3/h"
    settings.PASSWORD_RESET_RATE_PER_EMAIL = "2/h"


def test_rotating_x_forwarded_for_cannot_escape_the_address_limit(low_reset_rates):
    statuses = [
        ask_for_a_link(f"someone{n}@example.com", forwarded_for=f"198.51.100.{n}").status_code
        for n in range(4)
    ]

    assert statuses == [302, 302, 302, 429]


def test_one_email_address_gets_few_emails_whoever_asks(low_reset_rates):
    BuyerFactory(email="lin@example.com")

    statuses = [
        ask_for_a_link("lin@example.com", address=f"198.51.100.{n}").status_code for n in range(3)
    ]

    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_the_refusal_comes_back_with_the_form_and_when_to_retry(low_reset_rates):
    for _ in range(2):
        ask_for_a_link("lin@example.com")

    response = ask_for_a_link("lin@example.com")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Too many password-reset emails asked for. Try again in" in html
    assert 'value="lin@example.com"' in html


def test_an_unknown_address_is_limited_like_a_known_one(low_reset_rates):
    BuyerFactory(email="lin@example.com")

    known = [
        ask_for_a_link("lin@example.com", address=f"198.51.100.{n}").status_code for n in range(3)
    ]
    unknown = [
        ask_for_a_link("x@example.com", address=f"192.0.2.{n}").status_code for n in range(3)
    ]

    assert known == unknown


def test_a_mail_server_failure_does_not_change_the_answer(monkeypatch):
    BuyerFactory(email="lin@example.com")

    def broken_send(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("accounts.services.send_mail", broken_send)

    response = ask_for_a_link("lin@example.com")

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert User.objects.get(email="lin@example.com").check_password(PASSWORD)
