"""Invitations at the same time on PostgreSQL: the caps hold and nobody joins twice."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from notifications.models import Kind, Notification
from renovations import services
from renovations.models import Invitation, ProjectMember, Role
from tests.accounts.factories import BuyerFactory
from tests.renovations.factories import InvitationFactory, ProjectFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _hold_open(work):
    """Run `work` in a transaction in another thread and keep it open until released."""
    done, release, result = threading.Event(), threading.Event(), {}

    def run():
        try:
            with transaction.atomic():
                result["value"] = work()
                done.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert done.wait(10)
    return thread, release, result


def _in_thread(work):
    result = {}

    def run():
        try:
            result["value"] = work()
        except ValidationError as error:
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _invite(project, username):
    return services.invitation_create(
        project=project, by=project.owner, username=username, role=Role.VIEWER
    )


def test_the_same_username_invited_twice_at_once_is_one_invitation_and_one_notice():
    project = ProjectFactory()
    invitee = BuyerFactory()

    first, release, _first_result = _hold_open(lambda: _invite(project, invitee.username))
    second, second_result = _in_thread(lambda: _invite(project, invitee.username.upper()))
    second.join(1.0)
    assert second.is_alive()  # waits for the first owner's invitation to commit
    release.set()
    first.join(10)
    second.join(10)

    invitation, created = second_result["value"]
    assert created is False
    assert invitation.user == invitee
    assert Invitation.objects.filter(project=project).count() == 1
    assert Notification.objects.filter(kind=Kind.RENOVATION_INVITATION).count() == 1


def test_the_pending_cap_holds_when_two_invitations_come_at_once(settings):
    settings.RENOVATION_PENDING_INVITATIONS_PER_PROJECT = 2
    project = ProjectFactory()
    InvitationFactory(project=project)

    first, release, _first_result = _hold_open(lambda: _invite(project, "first-of-two"))
    second, second_result = _in_thread(lambda: _invite(project, "second-of-two"))
    second.join(1.0)
    assert second.is_alive()
    release.set()
    first.join(10)
    second.join(10)

    assert "at most 2 invitations" in second_result["error"].messages[0]
    assert Invitation.objects.filter(project=project, status="pending").count() == 2


def test_accepting_twice_at_once_makes_one_member():
    invitation = InvitationFactory()

    def accept():
        return services.invitation_accept(invitation=invitation, by=invitation.user)

    first, release, first_result = _hold_open(accept)
    second, second_result = _in_thread(accept)
    second.join(1.0)
    assert second.is_alive()  # waits on the invitation's row lock
    release.set()
    first.join(10)
    second.join(10)

    assert second_result["value"].pk == first_result["value"].pk
    assert ProjectMember.objects.filter(user=invitation.user).count() == 1
