import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD, BuyerFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "snowy-hegang-flat-1987"


def _signup_data(**overrides):
    return {
        "username": "xiaoming",
        "email": "xiaoming@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def _has_label_for(html: str, field_id: str) -> bool:
    return f'for="{field_id}"' in html


# --- sign-up ---------------------------------------------------------------------------


def test_signup_page_renders_with_labels(client):
    response = client.get(reverse("signup"))

    assert response.status_code == 200
    html = response.content.decode()
    for field_id in ("id_username", "id_email", "id_password1", "id_password2"):
        assert _has_label_for(html, field_id)
    assert 'name="role"' not in html


def test_signup_creates_a_buyer_logs_in_and_goes_home(client):
    response = client.post(reverse("signup"), _signup_data())

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(username="xiaoming")
    assert user.role == User.Role.BUYER
    assert not user.is_staff
    assert _logged_in_user_id(client) == str(user.pk)


def test_signup_ignores_a_posted_role(client):
    client.post(reverse("signup"), _signup_data(role="agent", is_staff="on"))

    user = User.objects.get(username="xiaoming")
    assert (user.role, user.is_staff) == (User.Role.BUYER, False)


def test_signup_honours_a_safe_next(client):
    response = client.post(reverse("signup"), _signup_data(next="/listings/?city=hegang"))

    assert response.status_code == 302
    assert response.url == "/listings/?city=hegang"


def test_signup_page_keeps_a_safe_next_from_the_query_string(client):
    response = client.get(reverse("signup"), {"next": "/listings/"})

    assert 'name="next" value="/listings/"' in response.content.decode()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_signup_ignores_an_off_site_next(client, next_url):
    response = client.post(reverse("signup"), _signup_data(next=next_url))

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_signup_with_mismatched_passwords_shows_the_error_and_keeps_the_username(client):
    response = client.post(reverse("signup"), _signup_data(password2="something-else-99"))

    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    html = response.content.decode()
    assert "didn’t match" in html or "didn&#x27;t match" in html or "didn't match" in html
    assert 'value="xiaoming"' in html
    assert not User.objects.filter(username="xiaoming").exists()
    assert _logged_in_user_id(client) is None


def test_signup_with_a_weak_password_shows_an_error(client):
    response = client.post(reverse("signup"), _signup_data(password1="123", password2="123"))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.filter(username="xiaoming").exists()


def test_signup_refuses_an_existing_username(client):
    BuyerFactory(username="xiaoming")

    response = client.post(reverse("signup"), _signup_data())

    assert response.status_code == 200
    assert "username" in response.context["form"].errors


def test_signup_refuses_a_username_taken_in_another_case(client):
    BuyerFactory(username="XiaoMing")

    response = client.post(reverse("signup"), _signup_data(username="xiaoming"))

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.filter(username__iexact="xiaoming").count() == 1


# --- log in and out ----------------------------------------------------------------------


def test_login_page_renders_with_labels(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert _has_label_for(html, "id_username")
    assert _has_label_for(html, "id_password")


def test_login_logs_the_user_in_and_goes_home(client):
    buyer = BuyerFactory()

    response = client.post(reverse("login"), {"username": buyer.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert _logged_in_user_id(client) == str(buyer.pk)


def test_login_honours_a_safe_next_and_ignores_an_off_site_one(client):
    buyer = BuyerFactory()
    credentials = {"username": buyer.username, "password": PASSWORD}

    safe = client.post(reverse("login"), {**credentials, "next": "/listings/"})
    client.logout()
    off_site = client.post(reverse("login"), {**credentials, "next": "https://evil.example/"})

    assert safe.url == "/listings/"
    assert off_site.url == reverse("home")


def test_login_with_a_wrong_password_shows_an_error(client):
    buyer = BuyerFactory()

    response = client.post(reverse("login"), {"username": buyer.username, "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _logged_in_user_id(client) is None


def test_login_page_redirects_a_logged_in_user(client):
    client.force_login(BuyerFactory())

    response = client.get(reverse("login"))

    assert response.status_code == 302


def test_logout_by_post_logs_out_and_goes_home(client):
    client.force_login(BuyerFactory())

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert _logged_in_user_id(client) is None


def test_logout_by_get_is_not_allowed(client):
    client.force_login(BuyerFactory())

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert _logged_in_user_id(client) is not None


def test_pages_show_log_out_button_to_logged_in_users(client):
    client.force_login(BuyerFactory(first_name="静", last_name="陈"))

    html = client.get(reverse("home")).content.decode()

    assert "陈静" in html
    assert f'action="{reverse("logout")}"' in html


# --- password change ---------------------------------------------------------------------


def test_password_change_needs_a_login(client):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_change_page_renders_with_labels(client):
    client.force_login(BuyerFactory())

    response = client.get(reverse("password_change"))

    assert response.status_code == 200
    html = response.content.decode()
    for field_id in ("id_old_password", "id_new_password1", "id_new_password2"):
        assert _has_label_for(html, field_id)


def test_password_change_with_a_wrong_old_password_shows_an_error(client):
    buyer = BuyerFactory()
    client.force_login(buyer)

    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_password_change_sets_the_new_password_and_keeps_the_session(client):
    buyer = BuyerFactory()
    client.force_login(buyer)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    done = client.get(response.url)
    assert done.status_code == 200
    assert "Password changed" in done.content.decode()
