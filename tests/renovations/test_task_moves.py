"""A task's buttons come from the services' rules (task_moves, task_editable), not the template."""

import pytest

from renovations import services
from renovations.models import Role, Task
from tests.renovations.factories import TaskFactory

pytestmark = pytest.mark.django_db

Status = Task.Status

# What the project page offered before the buttons moved out of the template, in its order.
OFFERED = {
    (Status.TODO, Role.OWNER): [Status.IN_PROGRESS, Status.DONE],
    (Status.TODO, Role.MANAGER): [Status.IN_PROGRESS, Status.DONE],
    (Status.IN_PROGRESS, Role.OWNER): [Status.DONE],
    (Status.IN_PROGRESS, Role.MANAGER): [Status.DONE],
    (Status.DONE, Role.OWNER): [Status.ACCEPTED, Status.IN_PROGRESS],
    (Status.DONE, Role.MANAGER): [Status.IN_PROGRESS],
    (Status.ACCEPTED, Role.OWNER): [Status.DONE],
    (Status.ACCEPTED, Role.MANAGER): [],
}
ROLES = [Role.OWNER, Role.MANAGER, Role.VIEWER]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", Status.values)
def test_a_task_offers_the_moves_of_its_status_and_the_viewers_role(status, role):
    task = Task(status=status)

    moves = services.task_moves(task, role)

    assert [move.status for move in moves] == OFFERED.get((status, role), [])
    assert [move.primary for move in moves] == [m.status == Status.ACCEPTED for m in moves]
    assert services.task_editable(task, role) is (
        role != Role.VIEWER and (status != Status.ACCEPTED or role == Role.OWNER)
    )


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
@pytest.mark.parametrize("status", Status.values)
def test_every_move_offered_is_one_the_service_makes(world, status, role):
    user = world.owner if role == Role.OWNER else world.manager
    for move in services.task_moves(Task(status=status), role):
        task = TaskFactory(project=world.project, status=status)

        services.task_set_status(task=task, by=user, status=move.status)

        task.refresh_from_db()
        assert task.status == move.status


def test_the_page_shows_the_offered_buttons(client, world):
    client.force_login(world.manager)

    page = client.get(world.project.get_absolute_url()).content.decode()

    # The to-do task: start or mark done; the done one: only "not finished yet" for a manager.
    assert 'aria-label="Start: Tiling"' in page
    assert 'aria-label="Mark done: Tiling"' in page
    assert 'aria-label="Not finished yet: Plumbing"' in page
    assert 'aria-label="Accept: Plumbing"' not in page
