from dataclasses import dataclass

import pytest

from accounts.models import User
from renovations.models import (
    Expense,
    Invitation,
    ProjectMember,
    RenovationProject,
    Role,
    Task,
    Update,
)
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.renovations.factories import (
    ExpenseFactory,
    InvitationFactory,
    MemberFactory,
    ProjectFactory,
    TaskFactory,
    UpdateFactory,
)

# The invitee has a pending invitation to the project: until they accept, an outsider.
ACTORS = ["owner", "manager", "viewer", "invitee", "other_buyer", "other_agent", "anonymous"]
RANK = {"viewer": 0, "manager": 1, "owner": 2}


@dataclass
class World:
    project: RenovationProject
    owner: User
    manager: User
    viewer: User
    other_buyer: User
    other_agent: User
    invitee: User
    viewer_member: ProjectMember
    invitation: Invitation
    task: Task
    done_task: Task
    expense: Expense
    update: Update

    def user(self, actor: str) -> User | None:
        return None if actor == "anonymous" else getattr(self, actor)


@pytest.fixture
def world() -> World:
    """A project with its owner, an agent as manager, family as viewer, someone invited who
    has not answered, and two outsiders."""
    project = ProjectFactory(budget=25_000)
    manager = AgentFactory()
    MemberFactory(project=project, user=manager, role=Role.MANAGER)
    viewer_member = MemberFactory(project=project, role=Role.VIEWER)
    # Outsiders with projects of their own, so "nothing" is not just an empty table.
    other_buyer = BuyerFactory()
    ProjectFactory(owner=other_buyer)
    invitation = InvitationFactory(project=project, role=Role.MANAGER)
    return World(
        project=project,
        owner=project.owner,
        manager=manager,
        viewer=viewer_member.user,
        other_buyer=other_buyer,
        other_agent=AgentFactory(),
        invitee=invitation.user,
        viewer_member=viewer_member,
        invitation=invitation,
        task=TaskFactory(project=project, name="Tiling"),
        done_task=TaskFactory(project=project, name="Plumbing", status=Task.Status.DONE),
        expense=ExpenseFactory(project=project),
        update=UpdateFactory(project=project, author=manager),
    )


def expected_status(actor: str, role_needed: str, allowed: int, *, anonymous: int) -> int:
    """Outsiders get a 404; members without the role a 403; the anonymous the given code."""
    if actor == "anonymous":
        return anonymous
    if actor not in RANK:
        return 404
    return allowed if RANK[actor] >= RANK[role_needed] else 403
