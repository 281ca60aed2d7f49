"""A buyer's monthly savings: theirs to set on the account page and the API, nobody else's to see."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import AgentFactory, BuyerFactory

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("account")
ME = "/api/v1/me/"


def test_the_account_page_saves_the_savings(client):
    buyer = BuyerFactory()
    client.force_login(buyer)

    response = client.post(ACCOUNT, {"monthly_savings": "2500"})

    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.monthly_savings == 2500
    assert 'value="2500"' in client.get(ACCOUNT).content.decode()


def test_an_empty_figure_removes_it(client):
    buyer = BuyerFactory(monthly_savings=2500)
    client.force_login(buyer)

    client.post(ACCOUNT, {"monthly_savings": ""})

    buyer.refresh_from_db()
    assert buyer.monthly_savings is None


@pytest.mark.parametrize("typed", ["-5", "lots", "99999999999"])
def test_bad_input_comes_back_with_a_message_and_what_was_typed(client, typed):
    buyer = BuyerFactory(monthly_savings=1000)
    client.force_login(buyer)

    response = client.post(ACCOUNT, {"monthly_savings": typed}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["form"].errors["monthly_savings"]
    assert f'value="{typed}"' in response.content.decode()
    buyer.refresh_from_db()
    assert buyer.monthly_savings == 1000


def test_the_account_page_needs_a_log_in(client):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_api_shows_and_changes_ones_own_savings(api_client):
    buyer = BuyerFactory()
    api_client.force_authenticate(buyer)

    response = api_client.patch(ME, {"monthly_savings": 3000}, format="json")

    assert response.status_code == 200
    assert response.json()["monthly_savings"] == 3000
    assert api_client.get(ME).json()["monthly_savings"] == 3000


@pytest.mark.parametrize("value", [-1, "many", 10_000_001])
def test_the_api_refuses_bad_savings_naming_the_field(api_client, value):
    buyer = BuyerFactory()
    api_client.force_authenticate(buyer)

    response = api_client.patch(ME, {"monthly_savings": value}, format="json")

    assert response.status_code == 400
    assert "monthly_savings" in response.json()


def test_the_api_needs_a_token(api_client):
    assert api_client.patch(ME, {"monthly_savings": 1}, format="json").status_code == 401


def test_nothing_else_about_a_user_changes_through_me(api_client):
    buyer = BuyerFactory()
    api_client.force_authenticate(buyer)

    api_client.patch(ME, {"role": "agent", "username": "boss"}, format="json")

    buyer.refresh_from_db()
    assert buyer.role == User.Role.BUYER
    assert buyer.username != "boss"


def test_the_savings_are_not_in_the_user_admin(client):
    from tests.accounts.factories import SuperuserFactory

    buyer = BuyerFactory(monthly_savings=4321)
    client.force_login(SuperuserFactory())

    page = client.get(reverse("admin:accounts_user_change", args=[buyer.pk]))

    assert page.status_code == 200
    assert "4321" not in page.content.decode()


def test_an_agent_states_a_fee_in_the_admin(client):
    from accounts.models import AgentProfile
    from tests.accounts.factories import SuperuserFactory

    agent = AgentFactory()
    client.force_login(SuperuserFactory())
    page = client.get(
        reverse("admin:accounts_agentprofile_change", args=[agent.agent_profile.pk])
    ).content.decode()

    assert 'name="fee_percent"' in page
    assert AgentProfile._meta.get_field("fee_percent").validators
