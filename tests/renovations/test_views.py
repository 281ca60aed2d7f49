import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from notifications.models import Kind, Notification
from renovations import selectors
from renovations.models import RenovationProject, Task
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.renovations.conftest import ACTORS, expected_status
from tests.renovations.factories import (
    ExpenseFactory,
    InvitationFactory,
    MemberFactory,
    RenovationPhotoFactory,
    TaskFactory,
    UpdateFactory,
)

pytestmark = pytest.mark.django_db


def _pages(world):
    """(method, url, data, role needed, success status) for every page and form."""
    p, t, d = world.project.pk, world.task.pk, world.done_task.pk
    url = lambda name, *args: reverse(f"renovations:{name}", args=[p, *args])  # noqa: E731
    return [
        ("get", url("project"), None, "viewer", 200),
        ("get", url("summary"), None, "viewer", 200),
        ("get", url("edit"), None, "owner", 200),
        (
            "post",
            url("edit"),
            {"title": "新标题", "budget": 30_000, "status": "paused"},
            "owner",
            302,
        ),
        ("get", url("task-edit", t), None, "manager", 200),
        (
            "post",
            url("task-edit", t),
            {"name": "Tiles", "estimated_cost": 10, "position": 1},
            "manager",
            302,
        ),
        (
            "post",
            url("task-add"),
            {"task-name": "Paint", "task-estimated_cost": 900},
            "manager",
            302,
        ),
        ("post", url("task-status", t), {"status": "done"}, "manager", 302),
        ("post", url("task-status", d), {"status": "accepted"}, "owner", 302),
        (
            "post",
            url("expense-add"),
            {"expense-amount": 300, "expense-category": "fees", "expense-spent_on": "2026-11-20"},
            "manager",
            302,
        ),
        ("post", url("expense-delete", world.expense.pk), {}, "manager", 302),
        ("post", url("update-add"), {"update-note": "墙刷好了"}, "manager", 302),
        (
            "post",
            url("member-add"),
            {"member-username": BuyerFactory().username, "member-role": "viewer"},
            "owner",
            302,
        ),
        ("post", url("member-remove", world.viewer_member.pk), {}, "owner", 302),
        ("post", url("invitation-cancel", world.invitation.pk), {}, "owner", 302),
    ]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("index", range(15))
def test_access_matrix(client, world, actor, index):
    method, url, data, role_needed, success = _pages(world)[index]
    if world.user(actor):
        client.force_login(world.user(actor))

    response = getattr(client, method)(url, data)

    assert response.status_code == expected_status(actor, role_needed, success, anonymous=302)
    if actor == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_a_manager_accepting_through_the_form_is_refused(client, world):
    client.force_login(world.manager)
    url = reverse("renovations:task-status", args=[world.project.pk, world.done_task.pk])

    response = client.post(url, {"status": "accepted"})

    assert response.status_code == 403
    world.done_task.refresh_from_db()
    assert world.done_task.status == Task.Status.DONE


def test_the_list_shows_own_and_member_projects_only(client, world):
    client.force_login(world.viewer)
    page = client.get(reverse("renovations:list")).content.decode()
    assert world.project.title in page
    assert page.count('class="project-row"') == 1


def test_a_buyer_creates_a_project_from_the_template(client):
    client.force_login(BuyerFactory())

    response = client.post(
        reverse("renovations:list"),
        {"title": "兴安区 小两室", "budget": "25000", "from_template": "on"},
    )

    project = RenovationProject.objects.get()
    assert response["Location"] == project.get_absolute_url()
    assert project.tasks.count() == 8


def test_bad_input_comes_back_with_the_message_and_what_was_typed(client):
    client.force_login(BuyerFactory())

    response = client.post(
        reverse("renovations:list"),
        {
            "title": "我的房子",
            "budget": "25000",
            "start_date": "2026-12-10",
            "target_date": "2026-12-01",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "The target date cannot be before the start." in page
    assert 'value="我的房子"' in page


def test_the_owner_changes_the_budget_and_a_bad_one_is_refused(client, world):
    client.force_login(world.owner)
    url = reverse("renovations:edit", args=[world.project.pk])

    refused = client.post(url, {"title": "T", "budget": "-1", "status": "in_progress"})
    client.post(url, {"title": "T", "budget": "30000", "status": "paused"})

    assert refused.status_code == 400
    assert "greater than or equal to 0" in refused.content.decode()
    world.project.refresh_from_db()
    assert (world.project.budget, world.project.status) == (30_000, "paused")


def test_an_expense_refused_keeps_the_form(client, world):
    client.force_login(world.manager)

    response = client.post(
        reverse("renovations:expense-add", args=[world.project.pk]),
        {
            "expense-amount": "-3",
            "expense-category": "fees",
            "expense-spent_on": "2026-11-20",
            "expense-note": "押金",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "greater than or equal to 0" in page
    assert 'value="押金"' in page


def test_the_chart_is_an_accessible_svg_with_the_figures_in_a_table(client, world):
    ExpenseFactory(project=world.project, amount=26_501, category="labour")  # 27,001 > 27,000
    client.force_login(world.owner)

    page = client.get(world.project.get_absolute_url()).content.decode()

    assert re.search(r'<svg[^>]*role="img"', page)
    assert '<title id="chart-title-' in page
    assert '<th scope="row">Labour</th><td>¥26,501</td>' in page
    assert '<th scope="row">Spent</th><td>¥27,001 (108 %)</td>' in page
    assert "more than 8 % over" in page
    # Drawn by the server: no inline script, and no script from anywhere but our static files.
    assert re.findall(r"<script[^>]*>", page) == re.findall(
        r'<script src="/static/js/[\w.]+" defer>', page
    )


def test_at_108_percent_exactly_there_is_no_warning(client, world):
    ExpenseFactory(project=world.project, amount=26_500, category="labour")  # 27,000
    client.force_login(world.owner)
    page = client.get(world.project.get_absolute_url()).content.decode()
    assert "more than 8 % over" not in page


def test_the_summary_page_prints_without_navigation(client, world):
    client.force_login(world.viewer)
    page = client.get(reverse("renovations:summary", args=[world.project.pk])).content.decode()
    assert "site-nav" not in page
    assert "Renovation summary" in page
    css = (
        pytest.importorskip("pathlib").Path(__file__).parents[2] / "static/css/walkup.css"
    ).read_text()
    assert "@media print" in css


def test_owner_sees_photo_capture_and_receive_times(client, world):
    from datetime import timedelta

    update = UpdateFactory(project=world.project, author=world.manager)
    photo = RenovationPhotoFactory(update=update)
    photo.captured_at = photo.received_at - timedelta(days=3, hours=1)
    photo.save()
    client.force_login(world.owner)

    page = client.get(world.project.get_absolute_url()).content.decode()

    assert "taken 3 days before it was sent" in page


def test_a_manager_posts_an_update_with_photos_through_the_page(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("renovations:update-add", args=[world.project.pk]),
            {"update-note": "水电走完了", "update-photos": [images.upload(images.jpeg(), "a.jpg")]},
        )
    assert response.status_code == 302
    assert world.project.photos.get().status == "ready"
    assert (
        Notification.objects.filter(recipient=world.owner, kind=Kind.RENOVATION_UPDATE).count() == 1
    )


# Session and user; project with the role; summary (categories, task figures); tasks;
# expenses (with task, author and receipt); updates (with author); their photos; members;
# invitations not answered; the expense form's task menu; the header's unread counts
# (messages, notifications).
PROJECT_PAGE_QUERIES = 14


@pytest.mark.parametrize("size", [1, 15])
def test_project_page_queries_do_not_grow(client, world, django_assert_num_queries, size):
    for number in range(size):
        TaskFactory(project=world.project, status=Task.Status.ACCEPTED if number % 2 else "todo")
        expense = ExpenseFactory(project=world.project)
        RenovationPhotoFactory(update=None, expense=expense, project=world.project)
        update = UpdateFactory(project=world.project)
        RenovationPhotoFactory.create_batch(2, update=update)
        MemberFactory(project=world.project)
        InvitationFactory(project=world.project)
    client.force_login(world.owner)

    with django_assert_num_queries(PROJECT_PAGE_QUERIES):
        response = client.get(world.project.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Cancel the invitation") == size + 1
    # Every photo and receipt through the access-checked view, none at a public URL.
    assert page.count(f'src="/private-media/renovations/{world.project.pk}/') == 3 * size
    assert '"/media/' not in page


@pytest.mark.parametrize("size", [1, 15])
def test_list_page_queries_do_not_grow(client, django_assert_num_queries, size):
    owner = BuyerFactory()
    for _number in range(size):
        ExpenseFactory(project__owner=owner)
        InvitationFactory(user=owner)
    client.force_login(owner)

    # Session, user, projects with spending, invitations with project and sender, unread counts.
    with django_assert_num_queries(6):
        response = client.get(reverse("renovations:list"))

    page = response.content.decode()
    assert page.count('class="project-row"') == size
    assert page.count('class="invitation"') == size


def test_a_project_links_to_the_listing_pasted_in_the_form(client):
    listing = ListingFactory()
    client.force_login(BuyerFactory())

    client.post(
        reverse("renovations:list"),
        {"title": "T", "budget": "20000", "listing_link": f"http://x{listing.get_absolute_url()}"},
    )

    assert RenovationProject.objects.get().listing == listing


@pytest.mark.parametrize("link", ["http://x/listings/abc/", "99999"])
def test_a_link_that_is_no_listing_is_a_form_error(client, link):
    client.force_login(BuyerFactory())
    response = client.post(
        reverse("renovations:list"), {"title": "T", "budget": "1", "listing_link": link}
    )
    assert response.status_code == 400
    assert "not the address of a flat on Walkup" in response.content.decode()


def test_a_draft_listing_of_someone_else_looks_like_no_listing(client):
    draft = ListingFactory(draft=True)
    client.force_login(BuyerFactory())
    response = client.post(
        reverse("renovations:list"), {"title": "T", "budget": "1", "listing_link": str(draft.pk)}
    )
    assert response.status_code == 400
    assert "not the address of a flat on Walkup" in response.content.decode()


@pytest.mark.parametrize("page", ["project", "summary", "edit"])
def test_pages_ask_no_other_host_and_every_image_and_field_is_labelled(client, world, page):
    from tests.marketplace.test_pages_offline import _audit

    RenovationPhotoFactory(update=world.update)
    client.force_login(world.owner)

    audit = _audit(client, reverse(f"renovations:{page}", args=[world.project.pk]))

    assert all(not urlsplit(link).netloc for link in audit.links)
    assert all(image.get("alt") for image in audit.images)
    assert all(field.get("id") in audit.labelled_ids for field in audit.fields)


def test_the_words_follow_the_tolerance_the_warning_uses(client, world, monkeypatch):
    monkeypatch.setattr(selectors, "OVERRUN_TOLERANCE_PERCENT", 10)
    ExpenseFactory(project=world.project, amount=27_001, category="labour")  # 27,501 > 27,500
    client.force_login(world.owner)

    page = client.get(world.project.get_absolute_url()).content.decode()
    edit = client.get(reverse("renovations:edit", args=[world.project.pk])).content.decode()

    assert "more than 10 % over." in page
    assert "Dotted line: 10 % over it" in page
    assert "passes it by more than 10 %." in edit
