"""Renovation notifications reach the right people, in their language, through the outbox."""

from datetime import date

import pytest
from django.core import mail

from notifications.models import Kind, Notification
from renovations import services
from renovations.models import Role, Task
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.renovations.factories import MemberFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_the_owner_reads_in_chinese_what_an_english_speaking_agent_did(settings):
    owner = BuyerFactory(language="zh-hans")
    project = ProjectFactory(owner=owner, title="向阳区两室")
    agent = AgentFactory(language="en", first_name="Jianguo", last_name="Wang")
    MemberFactory(project=project, user=agent, role=Role.MANAGER)
    task = TaskFactory(project=project, name="水电改造")

    services.task_set_status(task=task, by=agent, status=Task.Status.DONE)

    notification = Notification.objects.get(recipient=owner)
    assert notification.text == "向阳区两室：Jianguo Wang 已将“水电改造”标记为完成。请检查并验收。"
    assert notification.link == project.get_absolute_url()


def test_an_update_and_a_task_done_make_one_email_gathered_per_project(
    django_capture_on_commit_callbacks,
):
    project = ProjectFactory(owner=BuyerFactory(language="en"))
    agent = AgentFactory()
    MemberFactory(project=project, user=agent, role=Role.MANAGER)
    task = TaskFactory(project=project, name="Windows")

    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(project=project, by=agent, note="Frames are in")
    with django_capture_on_commit_callbacks(execute=True):
        services.task_set_status(task=task, by=agent, status=Task.Status.DONE)

    assert len(mail.outbox) == 1  # the second waits for the gathering window
    assert "Frames are in" in mail.outbox[0].body
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {Kind.RENOVATION_UPDATE, Kind.RENOVATION_TASK_DONE}


def test_the_overrun_is_told_to_the_owner_only():
    project = ProjectFactory(budget=100)
    viewer = MemberFactory(project=project, role=Role.VIEWER).user

    services.expense_add(
        project=project,
        by=project.owner,
        data={"amount": 109, "category": "other", "spent_on": date(2026, 11, 1)},
    )

    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (project.owner.pk, Kind.RENOVATION_OVER_BUDGET)
    ]
    assert not Notification.objects.filter(recipient=viewer).exists()
