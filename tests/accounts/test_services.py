import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import AgentProfile, User
from tests.accounts.factories import BuyerFactory

pytestmark = pytest.mark.django_db

LISTING_PERMISSIONS = {
    "listings.add_listing",
    "listings.change_listing",
    "listings.delete_listing",
    "listings.view_listing",
}


def test_user_make_agent_gives_the_role_staff_and_agents_group():
    buyer = BuyerFactory(first_name="静", last_name="陈")

    profile = services.user_make_agent(user=buyer)

    user = User.objects.get(pk=buyer.pk)
    assert user.role == User.Role.AGENT
    assert user.is_agent
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [services.AGENTS_GROUP]
    assert user.get_all_permissions() >= LISTING_PERMISSIONS
    assert profile.user == user
    assert profile.agency_name == "陈静"


def test_agents_group_can_only_view_cities_and_districts():
    group = services.agents_group()

    codenames = set(group.permissions.values_list("codename", flat=True))

    assert codenames == {codename for _app, codename in services.AGENT_PERMISSIONS}
    assert not codenames & {"change_city", "add_city", "change_user", "change_agentprofile"}


def test_user_make_agent_is_idempotent():
    buyer = BuyerFactory()
    first = services.user_make_agent(user=buyer, agency_name="Hegang Homes")

    second = services.user_make_agent(user=buyer, agency_name="Another name")

    assert first.pk == second.pk
    assert AgentProfile.objects.filter(user=buyer).count() == 1
    assert second.agency_name == "Hegang Homes"
    assert buyer.groups.count() == 1


def test_user_make_agent_falls_back_to_the_username_for_the_agency_name():
    buyer = BuyerFactory(username="lin88")

    profile = services.user_make_agent(user=buyer)

    assert profile.agency_name == "lin88"


def test_buyer_register_makes_a_buyer_with_a_hashed_password():
    user = services.buyer_register(
        username="meimei", password="snowy-hegang-flat-1987", email="m@example.com"
    )

    user.refresh_from_db()
    assert user.role == User.Role.BUYER
    assert not user.is_staff
    assert not user.is_superuser
    assert user.password != "snowy-hegang-flat-1987"
    assert user.check_password("snowy-hegang-flat-1987")


def test_buyer_register_refuses_an_invalid_username():
    with pytest.raises(ValidationError) as error:
        services.buyer_register(username="has space", password="snowy-hegang-flat-1987")

    assert "username" in error.value.message_dict
    assert not User.objects.exists()


def test_buyer_register_refuses_a_taken_username():
    BuyerFactory(username="meimei")

    with pytest.raises(ValidationError) as error:
        services.buyer_register(username="meimei", password="snowy-hegang-flat-1987")

    assert "username" in error.value.message_dict


@pytest.mark.parametrize(
    ("first_name", "last_name", "username", "expected"),
    [
        ("静", "陈", "chenjing", "陈静"),
        ("小明", "王", "wxm", "王小明"),
        ("Jing", "Chen", "chenjing", "Jing Chen"),
        ("Anna", "", "anna1", "Anna"),
        ("", "", "lin88", "lin88"),
    ],
)
def test_display_name(first_name, last_name, username, expected):
    user = User(first_name=first_name, last_name=last_name, username=username)

    assert user.display_name == expected
