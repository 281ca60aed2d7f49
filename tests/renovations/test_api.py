from datetime import datetime

import pytest

from notifications.models import Kind, Notification
from renovations.models import RenovationPhoto, Task
from tests.accounts.factories import BuyerFactory
from tests.photos import images
from tests.renovations.conftest import ACTORS, expected_status
from tests.renovations.factories import ExpenseFactory, TaskFactory, UpdateFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/renovations"


def _endpoints(world):
    """(method, path, body, role needed, success status) for every project endpoint."""
    p, t, d = world.project.pk, world.task.pk, world.done_task.pk
    return [
        ("get", f"{BASE}/{p}/", None, "viewer", 200),
        ("patch", f"{BASE}/{p}/", {"title": "新标题"}, "owner", 200),
        ("get", f"{BASE}/{p}/summary/", None, "viewer", 200),
        ("get", f"{BASE}/{p}/members/", None, "owner", 200),
        (
            "post",
            f"{BASE}/{p}/members/",
            {"username": BuyerFactory().username, "role": "viewer"},
            "owner",
            201,
        ),
        (
            "patch",
            f"{BASE}/{p}/members/{world.viewer_member.pk}/",
            {"role": "manager"},
            "owner",
            200,
        ),
        ("delete", f"{BASE}/{p}/members/{world.viewer_member.pk}/", None, "owner", 204),
        ("get", f"{BASE}/{p}/invitations/", None, "owner", 200),
        ("delete", f"{BASE}/{p}/invitations/{world.invitation.pk}/", None, "owner", 204),
        ("get", f"{BASE}/{p}/tasks/", None, "viewer", 200),
        ("post", f"{BASE}/{p}/tasks/", {"name": "Paint", "estimated_cost": 900}, "manager", 201),
        ("patch", f"{BASE}/{p}/tasks/{t}/", {"status": "done"}, "manager", 200),
        ("delete", f"{BASE}/{p}/tasks/{t}/", None, "manager", 204),
        ("post", f"{BASE}/{p}/tasks/{d}/accept/", None, "owner", 200),
        ("get", f"{BASE}/{p}/expenses/", None, "viewer", 200),
        (
            "post",
            f"{BASE}/{p}/expenses/",
            {"amount": 300, "category": "fees", "spent_on": "2026-11-20"},
            "manager",
            201,
        ),
        ("delete", f"{BASE}/{p}/expenses/{world.expense.pk}/", None, "manager", 204),
        ("get", f"{BASE}/{p}/updates/", None, "viewer", 200),
        ("post", f"{BASE}/{p}/updates/", {"note": "窗户装好了"}, "manager", 201),
    ]


ENDPOINT_COUNT = 19


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("index", range(ENDPOINT_COUNT))
def test_access_matrix(api_client, world, actor, index):
    method, path, body, role_needed, success = _endpoints(world)[index]
    if world.user(actor):
        api_client.force_authenticate(world.user(actor))

    response = getattr(api_client, method)(path, body, format="json")

    assert response.status_code == expected_status(actor, role_needed, success, anonymous=401), (
        method,
        path,
        response.content[:200],
    )


def test_the_project_list_shows_only_ones_own_and_member_projects(api_client, world):
    for actor, expected in [
        ("owner", [world.project.pk]),
        ("manager", [world.project.pk]),
        ("viewer", [world.project.pk]),
        ("invitee", []),
        ("other_agent", []),
    ]:
        api_client.force_authenticate(world.user(actor))
        ids = [project["id"] for project in api_client.get(f"{BASE}/").json()]
        assert ids == expected, actor
    api_client.force_authenticate(None)
    assert api_client.get(f"{BASE}/").status_code == 401


def test_a_removed_member_loses_access_at_once(api_client, world):
    api_client.force_authenticate(world.owner)
    api_client.delete(f"{BASE}/{world.project.pk}/members/{world.viewer_member.pk}/")

    api_client.force_authenticate(world.viewer)

    assert api_client.get(f"{BASE}/{world.project.pk}/").status_code == 404
    assert api_client.get(f"{BASE}/{world.project.pk}/updates/").status_code == 404
    assert api_client.get(f"{BASE}/").json() == []


def test_a_buyer_creates_a_project_from_the_template(api_client):
    api_client.force_authenticate(BuyerFactory())

    response = api_client.post(
        f"{BASE}/",
        {
            "title": "兴山区 两室",
            "budget": 25_000,
            "from_template": True,
            "start_date": "2026-11-02",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "owner"
    assert body["spent"] == 0
    tasks = api_client.get(f"{BASE}/{body['id']}/tasks/").json()
    assert len(tasks) == 8
    assert tasks[0]["planned_start"] == "2026-11-02"


def test_an_agent_cannot_start_a_project(api_client, world):
    api_client.force_authenticate(world.other_agent)
    response = api_client.post(f"{BASE}/", {"title": "x", "budget": 1}, format="json")
    assert response.status_code == 400
    assert "Only buyers" in response.json()["non_field_errors"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "budget": -1}, "budget"),
        ({"title": "x", "budget": 10_000_001}, "budget"),
        (
            {"title": "x", "budget": 1, "start_date": "2026-12-02", "target_date": "2026-12-01"},
            "target_date",
        ),
    ],
)
def test_bad_projects_are_400s_naming_the_field(api_client, body, field):
    api_client.force_authenticate(BuyerFactory())
    response = api_client.post(f"{BASE}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_manager_accepting_is_refused_and_the_owner_accepts(api_client, world):
    path = f"{BASE}/{world.project.pk}/tasks/{world.done_task.pk}/"
    api_client.force_authenticate(world.manager)
    assert api_client.patch(path, {"status": "accepted"}, format="json").status_code == 400
    assert api_client.post(f"{path}accept/").status_code == 403

    api_client.force_authenticate(world.owner)
    response = api_client.post(f"{path}accept/")

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    summary = api_client.get(f"{BASE}/{world.project.pk}/summary/").json()
    assert summary["progress"]["accepted_percent"] == 50  # 1,000 of 2,000


def test_an_expense_on_another_projects_task_answers_as_an_unknown_task(api_client, world):
    """Another project's task ids are as unknown as ids that do not exist: nothing leaks."""
    api_client.force_authenticate(world.manager)
    theirs = TaskFactory().pk
    missing = theirs + 1000
    answers = [
        api_client.post(
            f"{BASE}/{world.project.pk}/expenses/",
            {"amount": 100, "category": "labour", "spent_on": "2026-11-20", "task": task_id},
            format="json",
        )
        for task_id in (theirs, missing)
    ]

    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].json() == {"task": [f'Invalid pk "{theirs}" - object does not exist.']}
    assert answers[1].json() == {"task": [f'Invalid pk "{missing}" - object does not exist.']}


def test_a_negative_expense_is_a_400(api_client, world):
    api_client.force_authenticate(world.manager)
    response = api_client.post(
        f"{BASE}/{world.project.pk}/expenses/",
        {"amount": -1, "category": "labour", "spent_on": "2026-11-20"},
        format="json",
    )
    assert response.status_code == 400
    assert "amount" in response.json()


def test_summary_against_hand_computed_values(api_client, world):
    # The world has one ¥500 materials expense; budget ¥25,000.
    ExpenseFactory(project=world.project, amount=26_500, category="labour")  # 27,000 = 108 %
    api_client.force_authenticate(world.viewer)

    summary = api_client.get(f"{BASE}/{world.project.pk}/summary/").json()

    assert summary["spent"] == 27_000
    assert summary["remaining"] == -2_000
    assert summary["over_budget"] is False
    by_category = {row["category"]: row["spent"] for row in summary["by_category"]}
    assert by_category == {"labour": 26_500, "materials": 500, "fittings": 0, "fees": 0, "other": 0}
    assert summary["progress"]["done_percent"] == 50


def test_update_with_photos_is_multipart_and_keeps_both_times(
    api_client, world, django_capture_on_commit_callbacks
):
    exif = images.photo_exif(taken=datetime(2026, 11, 28, 9, 30))  # noqa: DTZ001 - EXIF has no zone
    api_client.force_authenticate(world.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"{BASE}/{world.project.pk}/updates/",
            {
                "note": "卫生间瓷砖贴好了",
                "photos": [
                    images.upload(images.jpeg(1200, 900, exif=exif), "a.jpg"),
                    images.upload(images.jpeg(900, 1200), "b.jpg"),
                ],
            },
            format="multipart",
        )

    assert response.status_code == 201
    photos = response.json()["photos"]
    assert len(photos) == 2
    assert photos[0]["status"] == "pending"  # read back before the eager task finished
    listed = api_client.get(f"{BASE}/{world.project.pk}/updates/").json()[0]["photos"]
    assert listed[0]["status"] == "ready"
    assert listed[0]["captured_at"].startswith("2026-11-28T09:30:00+08:00")
    assert listed[0]["received_at"]
    assert listed[1]["captured_at"] is None
    # Never a public URL: the access-checked view, for the project's members only.
    assert listed[0]["variants"]["thumb"]["url"].startswith("http://testserver/private-media/")
    assert Notification.objects.filter(recipient=world.owner, kind=Kind.RENOVATION_UPDATE).exists()


def test_a_bad_update_photo_is_a_400_naming_the_file(api_client, world):
    api_client.force_authenticate(world.manager)
    response = api_client.post(
        f"{BASE}/{world.project.pk}/updates/",
        {"note": "x", "photos": [images.upload(images.html_as_jpeg(), "page.jpg")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["photos"][0].startswith("page.jpg: ")
    assert RenovationPhoto.objects.count() == 0


def test_a_receipt_is_uploaded_with_the_expense(
    api_client, world, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"{BASE}/{world.project.pk}/expenses/",
            {
                "amount": "1280",
                "category": "fittings",
                "spent_on": "2026-11-21",
                "receipt": images.upload(images.jpeg()),
                "task": str(world.task.pk),
            },
            format="multipart",
        )
    assert response.status_code == 201
    assert response.json()["receipt"]["status"] == "pending"
    expenses = api_client.get(f"{BASE}/{world.project.pk}/expenses/").json()
    assert expenses[0]["receipt"]["variants"]["large"] is not None
    assert expenses[0]["task"] == world.task.pk


@pytest.mark.parametrize("size", [2, 12])
def test_list_endpoints_cost_a_fixed_number_of_queries(
    api_client, world, django_assert_num_queries, size
):
    from tests.renovations.factories import RenovationPhotoFactory

    for number in range(size):
        TaskFactory(project=world.project, status=Task.Status.ACCEPTED if number % 2 else "todo")
        expense = ExpenseFactory(project=world.project)
        RenovationPhotoFactory(update=None, expense=expense, project=world.project)
        update = UpdateFactory(project=world.project)
        RenovationPhotoFactory.create_batch(2, update=update)
    api_client.force_authenticate(world.viewer)
    p = world.project.pk
    # Session-free auth: each request = the project with the user's role, then the rows.
    for path, queries in [
        (f"{BASE}/", 1),
        (f"{BASE}/{p}/tasks/", 2),
        (f"{BASE}/{p}/expenses/", 2),
        (f"{BASE}/{p}/updates/", 3),
        (f"{BASE}/{p}/summary/", 3),
    ]:
        with django_assert_num_queries(queries):
            assert api_client.get(path).status_code == 200


def test_the_schema_documents_every_renovation_endpoint(api_client):
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in [
        "/api/v1/renovations/",
        "/api/v1/renovations/{id}/",
        "/api/v1/renovations/{id}/summary/",
        "/api/v1/renovations/{project_id}/members/",
        "/api/v1/renovations/{project_id}/invitations/",
        "/api/v1/renovations/{project_id}/invitations/{id}/",
        "/api/v1/renovations/invitations/",
        "/api/v1/renovations/invitations/{id}/accept/",
        "/api/v1/renovations/invitations/{id}/decline/",
        "/api/v1/renovations/{project_id}/tasks/",
        "/api/v1/renovations/{project_id}/tasks/{id}/accept/",
        "/api/v1/renovations/{project_id}/expenses/",
        "/api/v1/renovations/{project_id}/updates/",
    ]:
        assert path in paths, path
    upload = paths["/api/v1/renovations/{project_id}/updates/"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]
    invite = paths["/api/v1/renovations/{project_id}/members/"]["post"]["responses"]
    assert invite["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Invitation")


@pytest.mark.parametrize("size", [1, 12])
def test_the_members_list_costs_two_queries(api_client, world, django_assert_num_queries, size):
    from tests.renovations.factories import MemberFactory

    MemberFactory.create_batch(size, project=world.project)
    api_client.force_authenticate(world.owner)
    with django_assert_num_queries(2):  # the project with the role; the members with users
        response = api_client.get(f"{BASE}/{world.project.pk}/members/")
    assert len(response.json()) == size + 2


def test_a_draft_listing_cannot_be_linked_and_looks_like_none(api_client):
    from tests.listings.factories import ListingFactory

    api_client.force_authenticate(BuyerFactory())
    draft, published = ListingFactory(draft=True), ListingFactory()

    refused = api_client.post(
        f"{BASE}/", {"title": "x", "budget": 1, "listing": draft.pk}, format="json"
    )
    linked = api_client.post(
        f"{BASE}/", {"title": "x", "budget": 1, "listing": published.pk}, format="json"
    )

    assert refused.status_code == 400
    assert "does not exist" in refused.json()["listing"][0]
    assert linked.json()["listing"] == published.pk
