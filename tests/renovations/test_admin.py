import pytest
from django.urls import reverse

from tests.accounts.factories import SuperuserFactory
from tests.renovations.factories import ProjectFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:renovations_renovationproject_changelist")


def _change(project):
    return reverse("admin:renovations_renovationproject_change", args=[project.pk])


def test_an_agent_sees_only_projects_they_are_a_member_of(client, world):
    ProjectFactory(title="Someone else's flat")
    client.force_login(world.manager)

    page = client.get(CHANGELIST).content.decode()

    assert world.project.title in page
    assert "Someone else&#x27;s flat" not in page


def test_a_member_agent_reads_the_project_with_its_inlines(client, world):
    client.force_login(world.manager)

    response = client.get(_change(world.project))

    assert response.status_code == 200
    page = response.content.decode()
    assert world.task.name in page
    assert world.update.note[:10] in page
    assert 'name="_save"' not in page  # read-only


def test_a_member_agent_cannot_change_it(client, world):
    client.force_login(world.manager)
    response = client.post(_change(world.project), {"title": "Changed"})
    assert response.status_code == 403
    world.project.refresh_from_db()
    assert world.project.title != "Changed"


def test_another_agent_does_not_see_it(client, world):
    client.force_login(world.other_agent)
    assert client.get(_change(world.project)).status_code in (302, 404)
    assert world.project.title not in client.get(CHANGELIST).content.decode()


def test_a_buyer_has_no_admin(client, world):
    client.force_login(world.owner)
    assert client.get(CHANGELIST).status_code == 302


def test_a_superuser_sees_every_project(client, world):
    client.force_login(SuperuserFactory())
    assert client.get(_change(world.project)).status_code == 200


def test_a_member_agent_does_not_see_the_member_list_the_api_hides_from_them(
    client, api_client, world
):
    client.force_login(world.manager)
    api_client.force_authenticate(world.manager)

    page = client.get(_change(world.project)).content.decode()

    assert api_client.get(f"/api/v1/renovations/{world.project.pk}/members/").status_code == 403
    assert world.task.name in page  # the project itself is there
    assert world.viewer.username not in page
    assert world.invitee.username not in page
    assert "Project members" not in page
    assert "Invitations" not in page


def test_a_superuser_sees_members_and_invitations(client, world):
    client.force_login(SuperuserFactory())

    page = client.get(_change(world.project)).content.decode()

    assert "Project members" in page
    assert world.viewer.username in page
    assert "Invitations" in page
    assert world.invitee.username in page
