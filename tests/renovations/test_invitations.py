"""Adding someone to a project asks them first: nobody is put into a renovation unasked, and
the owner's answer never tells whether a username exists."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from marketplace.limits import LimitExceeded
from notifications.models import Kind, Notification
from renovations import selectors, services
from renovations.models import Invitation, Role, Task
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.renovations.factories import InvitationFactory, ProjectFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/renovations"


def _invite(project, username, role=Role.VIEWER):
    invitation, _created = services.invitation_create(
        project=project, by=project.owner, username=username, role=role
    )
    return invitation


def _project_kinds(user):
    return set(
        Notification.objects.filter(recipient=user)
        .exclude(kind=Kind.RENOVATION_INVITATION)
        .values_list("kind", flat=True)
    )


# --- the invitee's consent ---------------------------------------------------------------


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


def test_before_accepting_nothing_of_the_project_reaches_the_invitee(client, world):
    client.force_login(world.invitee)

    assert client.get(world.project.get_absolute_url()).status_code == 404
    assert 'class="project-row"' not in client.get(reverse("renovations:list")).content.decode()
    with pytest.raises(Http404):
        selectors.project_for(user=world.invitee, project_id=world.project.pk)
    assert list(selectors.projects_for(world.invitee)) == []
    services.task_set_status(task=world.done_task, by=world.owner, status=Task.Status.ACCEPTED)
    services.update_post(project=world.project, by=world.manager, note="Tiles are in")
    assert _project_kinds(world.invitee) == set()
    assert _project_kinds(world.viewer) == {Kind.RENOVATION_TASK_ACCEPTED}


def test_accepting_opens_the_project_in_the_role_invited(api_client, world):
    api_client.force_authenticate(world.invitee)

    response = api_client.post(f"{BASE}/invitations/{world.invitation.pk}/accept/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["role"]) == (world.project.pk, "manager")
    assert api_client.get(f"{BASE}/{world.project.pk}/").status_code == 200
    assert api_client.get(f"{BASE}/invitations/").json() == []
    world.invitation.refresh_from_db()
    assert world.invitation.status == Invitation.Status.ACCEPTED
    assert world.invitation.answered_at is not None
    services.task_set_status(task=world.done_task, by=world.owner, status=Task.Status.ACCEPTED)
    assert _project_kinds(world.invitee) == {Kind.RENOVATION_TASK_ACCEPTED}


def test_accepting_twice_gives_the_same_membership(world):
    first = services.invitation_accept(invitation=world.invitation, by=world.invitee)
    second = services.invitation_accept(invitation=world.invitation, by=world.invitee)

    assert first == second
    assert world.project.members.filter(user=world.invitee).count() == 1


def test_a_declined_invitation_never_opens_the_project(api_client, world):
    api_client.force_authenticate(world.invitee)

    declined = api_client.post(f"{BASE}/invitations/{world.invitation.pk}/decline/")
    again = api_client.post(f"{BASE}/invitations/{world.invitation.pk}/decline/")
    accepted = api_client.post(f"{BASE}/invitations/{world.invitation.pk}/accept/")

    assert (declined.status_code, again.status_code) == (204, 204)
    assert accepted.status_code == 400
    assert accepted.json() == {"non_field_errors": ["You declined this invitation."]}
    assert api_client.get(f"{BASE}/{world.project.pk}/").status_code == 404
    assert not world.project.members.filter(user=world.invitee).exists()


def test_an_accepted_invitation_cannot_be_declined_afterwards(world):
    services.invitation_accept(invitation=world.invitation, by=world.invitee)
    with pytest.raises(ValidationError, match="accepted this invitation already"):
        services.invitation_decline(invitation=world.invitation, by=world.invitee)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_nobody_else_answers_an_invitation(api_client, client, world, answer):
    for outsider in (world.owner, world.manager, world.other_buyer):
        api_client.force_authenticate(outsider)
        client.force_login(outsider)

        api = api_client.post(f"{BASE}/invitations/{world.invitation.pk}/{answer}/")
        web = client.post(reverse(f"renovations:invitation-{answer}", args=[world.invitation.pk]))

        assert (api.status_code, web.status_code) == (404, 404), outsider
        with pytest.raises(PermissionDenied):
            getattr(services, f"invitation_{answer}")(invitation=world.invitation, by=outsider)
    world.invitation.refresh_from_db()
    assert world.invitation.status == Invitation.Status.PENDING


def test_anonymous_people_answer_nothing(api_client, client, world):
    for answer in ("accept", "decline"):
        path = f"{BASE}/invitations/{world.invitation.pk}/{answer}/"
        assert api_client.post(path).status_code == 401
        response = client.post(
            reverse(f"renovations:invitation-{answer}", args=[world.invitation.pk])
        )
        assert response["Location"].startswith(reverse("login"))
    assert api_client.get(f"{BASE}/invitations/").status_code == 401


def test_the_invitee_lists_only_their_own_pending_invitations(api_client, world):
    InvitationFactory()  # someone else's
    answered = InvitationFactory(user=world.invitee)
    services.invitation_decline(invitation=answered, by=world.invitee)
    api_client.force_authenticate(world.invitee)

    invitations = api_client.get(f"{BASE}/invitations/").json()

    assert invitations == [
        {
            "id": world.invitation.pk,
            "project": {"id": world.project.pk, "title": world.project.title},
            "invited_by": {
                "id": world.owner.pk,
                "username": world.owner.username,
                "name": world.owner.display_name,
            },
            "role": "manager",
            "created_at": invitations[0]["created_at"],
        }
    ]


# --- the owner ---------------------------------------------------------------------------


def test_the_owner_cancels_and_the_invitation_can_no_longer_be_accepted(api_client, world):
    api_client.force_authenticate(world.owner)

    cancelled = api_client.delete(f"{BASE}/{world.project.pk}/invitations/{world.invitation.pk}/")
    again = api_client.delete(f"{BASE}/{world.project.pk}/invitations/{world.invitation.pk}/")

    assert (cancelled.status_code, again.status_code) == (204, 204)
    assert api_client.get(f"{BASE}/{world.project.pk}/invitations/").json() == []
    with pytest.raises(ValidationError, match="cancelled this invitation"):
        services.invitation_accept(invitation=world.invitation, by=world.invitee)
    api_client.force_authenticate(world.invitee)
    assert api_client.get(f"{BASE}/invitations/").json() == []
    accept = api_client.post(f"{BASE}/invitations/{world.invitation.pk}/accept/")
    assert accept.status_code == 400


def test_an_answered_invitation_cannot_be_cancelled(world):
    services.invitation_accept(invitation=world.invitation, by=world.invitee)
    with pytest.raises(ValidationError, match="answered already"):
        services.invitation_cancel(invitation=world.invitation, by=world.owner)


def test_only_the_owner_cancels(world):
    for someone in (world.manager, world.viewer, world.invitee):
        with pytest.raises(PermissionDenied):
            services.invitation_cancel(invitation=world.invitation, by=someone)


def test_another_projects_invitation_is_a_404_to_the_owner(api_client, client, world):
    elsewhere = InvitationFactory()
    api_client.force_authenticate(world.owner)
    client.force_login(world.owner)

    api = api_client.delete(f"{BASE}/{world.project.pk}/invitations/{elsewhere.pk}/")
    web = client.post(
        reverse("renovations:invitation-cancel", args=[world.project.pk, elsewhere.pk])
    )

    assert (api.status_code, web.status_code) == (404, 404)
    elsewhere.refresh_from_db()
    assert elsewhere.status == Invitation.Status.PENDING


def test_the_members_list_stays_the_members_and_invitations_list_apart(api_client, world):
    api_client.force_authenticate(world.owner)

    members = api_client.get(f"{BASE}/{world.project.pk}/members/").json()
    invitations = api_client.get(f"{BASE}/{world.project.pk}/invitations/").json()

    assert {member["user"]["id"] for member in members} == {world.manager.pk, world.viewer.pk}
    assert invitations == [
        {
            "id": world.invitation.pk,
            "username": world.invitee.username,
            "role": "manager",
            "status": "pending",
            "created_at": invitations[0]["created_at"],
        }
    ]


def test_inviting_again_while_pending_makes_no_second_invitation_and_no_second_notice(
    api_client, world
):
    api_client.force_authenticate(world.owner)
    shouted = world.invitee.username.upper()

    again = api_client.post(
        f"{BASE}/{world.project.pk}/members/", {"username": shouted, "role": "viewer"}
    )

    assert again.status_code == 200
    assert again.json()["id"] == world.invitation.pk
    assert world.project.invitations.count() == 1
    assert world.project.invitations.get().role == Role.VIEWER


def test_a_new_invitation_after_a_decline_is_a_new_one(world):
    services.invitation_decline(invitation=world.invitation, by=world.invitee)

    invitation = _invite(world.project, world.invitee.username)

    assert invitation.pk != world.invitation.pk
    assert invitation.status == Invitation.Status.PENDING


def test_pending_invitations_per_project_are_capped(api_client, world, settings):
    settings.RENOVATION_PENDING_INVITATIONS_PER_PROJECT = 3  # the world has one already
    api_client.force_authenticate(world.owner)
    url = f"{BASE}/{world.project.pk}/members/"

    made = [
        api_client.post(url, {"username": username, "role": "viewer"}).status_code
        for username in (BuyerFactory().username, "nobody-here")
    ]
    refused = api_client.post(url, {"username": "nobody-either", "role": "viewer"})
    services.invitation_cancel(invitation=world.invitation, by=world.owner)
    after_cancel = api_client.post(url, {"username": "nobody-either", "role": "viewer"})

    assert made == [201, 201]
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": [
            "A project has at most 3 invitations waiting for an answer. "
            "Cancel one you no longer need first."
        ]
    }
    assert after_cancel.status_code == 201


def test_an_owner_sends_a_limited_number_of_invitations_a_day(api_client, world, settings):
    """Cancelling and inviting again, or over many projects, cannot pester someone."""
    settings.RENOVATION_INVITATIONS_PER_DAY = 3  # the world's invitation is the first
    target = BuyerFactory()
    another = ProjectFactory(owner=world.owner)
    api_client.force_authenticate(world.owner)

    first = api_client.post(
        f"{BASE}/{world.project.pk}/members/", {"username": target.username, "role": "viewer"}
    )
    services.invitation_cancel(
        invitation=Invitation.objects.get(pk=first.json()["id"]), by=world.owner
    )
    second = api_client.post(
        f"{BASE}/{another.pk}/members/", {"username": target.username, "role": "viewer"}
    )
    refused = api_client.post(
        f"{BASE}/{world.project.pk}/members/", {"username": target.username, "role": "viewer"}
    )

    assert (first.status_code, second.status_code, refused.status_code) == (201, 201, 429)
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("You have sent 3 invitations in the last day.")
    assert Notification.objects.filter(recipient=target).count() == 2
    with pytest.raises(LimitExceeded):
        _invite(world.project, "nobody-here")


# --- who is told -------------------------------------------------------------------------


def test_the_invitee_is_told_in_their_language_and_by_email(django_capture_on_commit_callbacks):
    owner = BuyerFactory(first_name="Jing", last_name="Chen", language="en")
    project = ProjectFactory(owner=owner, title="向阳区两室")
    agent = AgentFactory(language="zh-hans", email="wang@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        _invite(project, agent.username, role=Role.MANAGER)

    notification = Notification.objects.get(recipient=agent)
    assert notification.kind == Kind.RENOVATION_INVITATION
    assert notification.text == (
        "Jing Chen 邀请您以管理者身份参与装修项目“向阳区两室”。请在“我的装修”页面接受或拒绝。"
    )
    assert notification.link == f"{reverse('renovations:list')}#invitations"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.com"]
    assert notification.link in mail.outbox[0].body


def test_an_unknown_username_tells_nobody_and_nobody_can_ever_accept_it(client, world):
    invitation = _invite(world.project, "not-yet-on-walkup")
    latecomer = BuyerFactory(username="not-yet-on-walkup")  # signs up afterwards
    client.force_login(latecomer)

    page = client.get(reverse("renovations:list")).content.decode()
    response = client.post(reverse("renovations:invitation-accept", args=[invitation.pk]))

    assert invitation.user is None
    assert not Notification.objects.filter(kind=Kind.RENOVATION_INVITATION).exists()
    assert "Invitations for you" not in page
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.invitation_accept(invitation=invitation, by=latecomer)


# --- no way to find out who has an account -----------------------------------------------


def _same_shape(text: str) -> str:
    """What legitimately differs between two answers: row ids and the per-page CSRF mask."""
    text = re.sub(r'"id": ?\d+', '"id": N', text)
    text = re.sub(r"/invitations/\d+/", "/invitations/N/", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", text)


def _forget_the_account(user) -> None:
    """From now on the username names nobody."""
    user.username = f"gone-{user.pk}"
    user.save(update_fields=["username"])


def _headers(response) -> list:
    """The answer's headers but its request id, which differs on every answer by design."""
    return sorted(
        (name, value) for name, value in response.headers.items() if name != "X-Request-ID"
    )


def test_the_api_answers_the_same_for_an_unknown_username(api_client, world, clock):
    alice = BuyerFactory(username="alice")
    api_client.force_authenticate(world.owner)
    url = f"{BASE}/{world.project.pk}/members/"

    def invite_and_list():
        answer = api_client.post(url, {"username": "alice", "role": "viewer"}, format="json")
        listed = api_client.get(f"{BASE}/{world.project.pk}/invitations/")
        services.invitation_cancel(
            invitation=Invitation.objects.get(pk=answer.json()["id"]), by=world.owner
        )
        return [
            (r.status_code, _headers(r), _same_shape(r.content.decode())) for r in (answer, listed)
        ]

    real = invite_and_list()
    _forget_the_account(alice)
    unknown = invite_and_list()

    assert real == unknown
    assert real[0][0] == 201
    assert Invitation.objects.filter(user=alice).count() == 1


def test_the_page_answers_the_same_for_an_unknown_username(world, clock):
    alice = BuyerFactory(username="alice")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.owner)
    url = reverse("renovations:member-add", args=[world.project.pk])

    def invite_and_read():
        answer = client.post(url, {"member-username": "alice", "member-role": "viewer"})
        page = client.get(answer["Location"])
        services.invitation_cancel(
            invitation=world.project.invitations.pending().get(username="alice"),
            by=world.owner,
        )
        return [
            (r.status_code, _headers(r), _same_shape(r.content.decode())) for r in (answer, page)
        ]

    real = invite_and_read()
    _forget_the_account(alice)
    unknown = invite_and_read()

    assert real == unknown
    assert real[0][0] == 302
    assert "“alice” is invited. They will see the project once they accept." in real[1][2]
    assert 'class="member-list invitation-list"' in real[1][2]


# --- the pages ---------------------------------------------------------------------------


def test_the_invitee_accepts_on_the_renovations_page(client, world):
    client.force_login(world.invitee)

    page = client.get(reverse("renovations:list")).content.decode()
    response = client.post(reverse("renovations:invitation-accept", args=[world.invitation.pk]))

    assert "Invitations for you" in page
    assert world.project.title in page
    assert f"{world.owner.display_name} invites you as: Manager" in page
    assert response["Location"] == world.project.get_absolute_url()
    followed = client.get(response["Location"])
    assert followed.status_code == 200
    assert "You joined" in followed.content.decode()


def test_the_invitee_declines_on_the_renovations_page(client, world):
    client.force_login(world.invitee)

    response = client.post(
        reverse("renovations:invitation-decline", args=[world.invitation.pk]), follow=True
    )

    page = response.content.decode()
    assert "You declined the invitation" in page
    assert "Invitations for you" not in page
    assert client.get(world.project.get_absolute_url()).status_code == 404


def test_answering_a_cancelled_invitation_on_the_page_says_why(client, world):
    services.invitation_cancel(invitation=world.invitation, by=world.owner)
    client.force_login(world.invitee)

    response = client.post(
        reverse("renovations:invitation-accept", args=[world.invitation.pk]), follow=True
    )

    assert "The owner cancelled this invitation." in response.content.decode()
    assert client.get(world.project.get_absolute_url()).status_code == 404


def test_the_answer_buttons_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.invitee)

    response = client.post(reverse("renovations:invitation-accept", args=[world.invitation.pk]))

    assert response.status_code == 403
    assert not world.project.members.filter(user=world.invitee).exists()


def test_the_owner_sees_pending_invitations_and_cancels_one(client, world):
    client.force_login(world.owner)

    page = client.get(world.project.get_absolute_url()).content.decode()
    response = client.post(
        reverse("renovations:invitation-cancel", args=[world.project.pk, world.invitation.pk]),
        follow=True,
    )

    assert "Invited, not answered yet" in page
    assert f"{world.invitee.username} · Manager" in page
    assert "is cancelled" in response.content.decode()
    assert "Invited, not answered yet" not in response.content.decode()


def test_a_refused_invitation_comes_back_with_the_message_and_what_was_typed(client, world):
    client.force_login(world.owner)

    response = client.post(
        reverse("renovations:member-add", args=[world.project.pk]),
        {"member-username": world.viewer.username, "member-role": "manager"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This person is already a member." in page
    assert f'value="{world.viewer.username}"' in page


@pytest.mark.parametrize("size", [1, 12])
def test_invitation_lists_cost_a_fixed_number_of_queries(
    api_client, world, django_assert_num_queries, size
):
    for _number in range(size):
        InvitationFactory(user=world.invitee)
        InvitationFactory(project=world.project)

    api_client.force_authenticate(world.invitee)
    with django_assert_num_queries(1):  # the invitations with projects and senders
        mine = api_client.get(f"{BASE}/invitations/")
    api_client.force_authenticate(world.owner)
    with django_assert_num_queries(2):  # the project with the role; the invitations
        theirs = api_client.get(f"{BASE}/{world.project.pk}/invitations/")

    assert len(mine.json()) == size + 1
    assert len(theirs.json()) == size + 1
