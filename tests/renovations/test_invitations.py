"""Adding someone to a project asks them first: nobody is put into a renovation unasked."""

import pytest

from tests.accounts.factories import BuyerFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/renovations"


def test_an_invitee_does_not_see_the_project_before_accepting(api_client, world):
    invitee = BuyerFactory()
    api_client.force_authenticate(world.owner)
    api_client.post(
        f"{BASE}/{world.project.pk}/members/",
        {"username": invitee.username, "role": "viewer"},
        format="json",
    )

    api_client.force_authenticate(invitee)

    assert api_client.get(f"{BASE}/{world.project.pk}/").status_code == 404
