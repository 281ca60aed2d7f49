import pytest

from renovations.demo import load_renovation_demo
from renovations.models import RenovationProject
from renovations.selectors import project_summary
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_the_demo_renovation_is_believable_and_loaded_once(django_capture_on_commit_callbacks):
    owner = BuyerFactory(username="buyer1")
    agent = AgentFactory(username="agent1")
    BuyerFactory(username="buyer2")
    buyer3 = BuyerFactory(username="buyer3")
    ListingFactory(agent=agent, price=46_000, district__city__slug="hegang")

    with django_capture_on_commit_callbacks(execute=True):
        assert load_renovation_demo() is True
    assert load_renovation_demo() is False

    project = RenovationProject.objects.get()
    assert project.owner == owner
    assert project.listing.price == 46_000
    assert project.tasks.first().name == "拆除与清运垃圾"
    summary = project_summary(project)
    assert summary.budget == 25_000
    assert summary.spent == 9_500
    assert summary.over_budget is False
    assert 0 < summary.progress.accepted_percent < summary.progress.done_percent < 100
    assert {m.user.username: m.role for m in project.members.all()} == {
        "agent1": "manager",
        "buyer2": "viewer",
    }
    assert [(i.user, i.role, i.status) for i in project.invitations.pending()] == [
        (buyer3, "viewer", "pending")
    ]
    assert project.invitations.filter(status="accepted").count() == 2
    assert project.updates.count() == 3
    assert project.photos.filter(status="ready").count() == 3
