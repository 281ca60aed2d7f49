from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.http import Http404
from django.utils import timezone
from PIL import Image

from notifications.models import Kind, Notification
from photos import pipeline as photo_pipeline
from renovations import selectors, services
from renovations.models import RenovationPhoto, RenovationProject, Role, Task
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.renovations.factories import (
    ExpenseFactory,
    MemberFactory,
    ProjectFactory,
    RenovationPhotoFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

TEMPLATE_ORDER = [
    "Demolition and rubbish removal",
    "Plumbing and electrics",
    "Windows and wall insulation",
    "Tiling and wet work",
    "Carpentry: doors and skirting",
    "Painting walls and ceilings",
    "Fitting the kitchen and bathroom",
    "Final cleaning",
]


@pytest.fixture
def project():
    return ProjectFactory(budget=10_000)


@pytest.fixture
def manager(project):
    return MemberFactory(project=project, user=AgentFactory(), role=Role.MANAGER).user


@pytest.fixture
def viewer(project):
    return MemberFactory(project=project, role=Role.VIEWER).user


def _expense(project, by, amount, **extra):
    data = {"amount": amount, "category": "labour", "spent_on": date(2026, 11, 20), **extra}
    return services.expense_add(project=project, by=by, data=data)


def _kinds(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# --- projects ---------------------------------------------------------------------------


def test_a_buyer_starts_from_the_template_in_the_order_the_trades_come():
    owner = BuyerFactory()

    project = services.project_create(
        owner=owner,
        data={"title": "鹤岗 flat", "budget": 25_000, "start_date": date(2026, 11, 2)},
        from_template=True,
    )

    tasks = list(selectors.tasks_of(project))
    assert [task.name for task in tasks] == TEMPLATE_ORDER
    assert sum(task.estimated_cost for task in tasks) == 24_500
    assert tasks[0].planned_start == date(2026, 11, 2)
    assert tasks[0].planned_end == date(2026, 11, 4)  # three days of demolition
    assert tasks[1].planned_start == date(2026, 11, 5)
    assert all(task.status == Task.Status.TODO for task in tasks)


def test_an_agent_cannot_own_a_project():
    with pytest.raises(ValidationError, match="Only buyers"):
        services.project_create(owner=AgentFactory(), data={"title": "x", "budget": 1})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"budget": -1}, "budget"),
        ({"budget": 10_000_001}, "budget"),
        ({"start_date": date(2026, 12, 2), "target_date": date(2026, 12, 1)}, "target_date"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_project_input_names_the_field(data, field):
    with pytest.raises(ValidationError) as error:
        services.project_create(owner=BuyerFactory(), data={"title": "Flat", "budget": 1, **data})
    assert field in error.value.message_dict


def test_a_draft_listing_of_someone_else_cannot_be_linked():
    draft = ListingFactory(draft=True)
    with pytest.raises(ValidationError) as error:
        services.project_create(
            owner=BuyerFactory(), data={"title": "Flat", "budget": 1, "listing": draft}
        )
    assert "listing" in error.value.message_dict


# --- access ---------------------------------------------------------------------------


def test_project_for_hides_the_project_from_anyone_not_in_it(project):
    with pytest.raises(Http404):
        selectors.project_for(user=BuyerFactory(), project_id=project.pk)


def test_a_viewer_reads_but_may_not_write(project, viewer):
    assert selectors.project_for(user=viewer, project_id=project.pk).role == Role.VIEWER
    with pytest.raises(PermissionDenied):
        selectors.project_for(user=viewer, project_id=project.pk, role_needed=Role.MANAGER)
    with pytest.raises(PermissionDenied):
        services.task_create(project=project, by=viewer, data={"name": "x"})


def test_a_removed_member_loses_access_at_once(project, manager):
    member = project.members.get(user=manager)

    services.member_remove(member=member, by=project.owner)

    with pytest.raises(Http404):
        selectors.project_for(user=manager, project_id=project.pk)
    with pytest.raises(PermissionDenied):
        services.task_create(project=project, by=manager, data={"name": "x"})


def test_a_member_is_someone_who_accepted_an_invitation_by_username(project):
    cousin = BuyerFactory(username="Cousin")

    invitation, created = services.invitation_create(
        project=project, by=project.owner, username="  cousin ", role=Role.VIEWER
    )

    assert created
    assert (invitation.username, invitation.user) == ("cousin", cousin)
    assert not project.members.exists()
    services.invitation_accept(invitation=invitation, by=cousin)
    assert project.members.get().user == cousin
    with pytest.raises(ValidationError, match="already a member"):
        services.invitation_create(
            project=project, by=project.owner, username="COUSIN", role="viewer"
        )
    with pytest.raises(ValidationError, match="own this project"):
        services.invitation_create(
            project=project, by=project.owner, username=project.owner.username, role="viewer"
        )
    with pytest.raises(ValidationError) as error:
        services.invitation_create(
            project=project, by=project.owner, username=BuyerFactory().username, role="owner"
        )
    assert "role" in error.value.message_dict


def test_only_the_owner_invites(project, manager):
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            project=project, by=manager, username=BuyerFactory().username, role="viewer"
        )
    assert not project.invitations.exists()


# --- tasks ----------------------------------------------------------------------------


def test_a_manager_marks_done_and_the_owner_is_told(project, manager):
    task = TaskFactory(project=project, name="Tiling")

    services.task_set_status(task=task, by=manager, status=Task.Status.DONE)

    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert task.done_at is not None
    assert _kinds(project.owner) == [Kind.RENOVATION_TASK_DONE]
    assert "Tiling" in Notification.objects.get().text


def test_a_manager_cannot_accept(project, manager):
    task = TaskFactory(project=project, status=Task.Status.DONE)

    with pytest.raises(ValidationError, match="Only the owner accepts"):
        services.task_accept(task=task, by=manager)

    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_the_owner_accepts_a_done_task_and_members_are_told(project, manager, viewer):
    task = TaskFactory(project=project, status=Task.Status.DONE)

    services.task_accept(task=task, by=project.owner)

    task.refresh_from_db()
    assert task.status == Task.Status.ACCEPTED
    assert task.accepted_at is not None
    assert _kinds(manager) == [Kind.RENOVATION_TASK_ACCEPTED]
    assert _kinds(viewer) == [Kind.RENOVATION_TASK_ACCEPTED]
    assert _kinds(project.owner) == []


def test_a_task_not_done_cannot_be_accepted(project):
    task = TaskFactory(project=project)
    with pytest.raises(ValidationError, match="once it is marked done"):
        services.task_accept(task=task, by=project.owner)


def test_an_accepted_task_goes_back_only_by_the_owner(project, manager):
    task = TaskFactory(project=project, status=Task.Status.ACCEPTED)

    with pytest.raises(ValidationError, match="only the owner"):
        services.task_set_status(task=task, by=manager, status=Task.Status.TODO)
    with pytest.raises(ValidationError, match="only the owner"):
        services.task_update(task=task, by=manager, data={"estimated_cost": 1})
    services.task_set_status(task=task, by=project.owner, status=Task.Status.TODO)

    task.refresh_from_db()
    assert task.status == Task.Status.TODO
    assert task.accepted_at is None
    assert task.done_at is None


def test_task_dates_in_order_and_costs_bounded(project, manager):
    with pytest.raises(ValidationError) as error:
        services.task_create(
            project=project,
            by=manager,
            data={
                "name": "Paint",
                "planned_start": date(2026, 12, 5),
                "planned_end": date(2026, 12, 4),
                "estimated_cost": 10_000_001,
            },
        )
    assert set(error.value.message_dict) == {"planned_end", "estimated_cost"}


def test_new_tasks_go_last(project, manager):
    TaskFactory(project=project, position=7)
    task = services.task_create(project=project, by=manager, data={"name": "Cleaning"})
    assert task.position == 8


# --- expenses and the 8 % rule --------------------------------------------------------


def test_an_expense_on_another_projects_task_is_refused(project, manager):
    elsewhere = TaskFactory()
    with pytest.raises(ValidationError) as error:
        _expense(project, manager, 100, task=elsewhere)
    assert "another project" in error.value.message_dict["task"][0]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": -5}, "amount"),
        ({"amount": 10_000_001}, "amount"),
        ({"spent_on": "tomorrow"}, "spent_on"),
        ({"category": "bribes"}, "category"),
    ],
)
def test_bad_expenses_name_the_field(project, manager, extra, field):
    # "Tomorrow" is worked out when the test runs, not when it is collected:
    # a run that crosses midnight in Shanghai once made it today.
    if extra.get("spent_on") == "tomorrow":
        extra = {**extra, "spent_on": timezone.localdate() + timedelta(days=1)}
    with pytest.raises(ValidationError) as error:
        _expense(project, manager, extra.pop("amount", 100), **extra)
    assert field in error.value.message_dict


def test_exactly_108_percent_is_no_warning_and_one_yuan_more_is(project, manager):
    # Budget 10,000: 108 % is exactly 10,800.
    _expense(project, manager, 10_800)
    assert selectors.project_summary(project).over_budget is False
    assert Kind.RENOVATION_OVER_BUDGET not in _kinds(project.owner)

    _expense(project, manager, 1)

    summary = selectors.project_summary(project)
    assert summary.spent == 10_801
    assert summary.over_budget is True
    assert _kinds(project.owner).count(Kind.RENOVATION_OVER_BUDGET) == 1


def test_the_owner_is_told_once_even_after_more_expenses_or_a_delete_and_re_add(project, manager):
    _expense(project, manager, 10_801)
    _expense(project, manager, 300)
    last = _expense(project, manager, 500)
    services.expense_delete(expense=last, by=manager)
    services.expense_delete(expense=project.expenses.get(amount=300), by=manager)
    services.expense_delete(expense=project.expenses.get(amount=10_801), by=manager)
    assert selectors.project_summary(project).over_budget is False
    _expense(project, manager, 20_000)

    assert _kinds(project.owner).count(Kind.RENOVATION_OVER_BUDGET) == 1


def test_a_new_budget_starts_afresh(project, manager):
    _expense(project, manager, 11_000)
    services.project_update(project=project, by=project.owner, data={"budget": 12_000})
    assert selectors.project_summary(RenovationProject.objects.get()).over_budget is False

    _expense(project, manager, 2_000)  # 13,000 > 12,960

    assert _kinds(project.owner).count(Kind.RENOVATION_OVER_BUDGET) == 2


def test_a_zero_budget_is_over_with_the_first_yuan():
    assert selectors.is_over_budget(spent=0, budget=0) is False
    assert selectors.is_over_budget(spent=1, budget=0) is True


def test_totals_by_category_against_hand_computed_values(project):
    ExpenseFactory(project=project, amount=1_200, category="labour")
    ExpenseFactory(project=project, amount=800, category="labour")
    ExpenseFactory(project=project, amount=3_333, category="materials")
    ExpenseFactory(project=project, amount=67, category="fees")
    ExpenseFactory(amount=99_999)  # another project's

    summary = selectors.project_summary(project)

    assert summary.spent == 5_400
    assert summary.remaining == 4_600
    assert summary.spent_percent == 54
    assert {t.category: t.spent for t in summary.by_category} == {
        "labour": 2_000,
        "materials": 3_333,
        "fittings": 0,
        "fees": 67,
        "other": 0,
    }


# --- progress -------------------------------------------------------------------------


def test_progress_shares_of_the_estimated_cost(project):
    TaskFactory(project=project, estimated_cost=3_000, status=Task.Status.ACCEPTED)
    TaskFactory(project=project, estimated_cost=1_000, status=Task.Status.DONE)
    TaskFactory(project=project, estimated_cost=2_000, status=Task.Status.IN_PROGRESS)
    TaskFactory(project=project, estimated_cost=0, status=Task.Status.ACCEPTED)
    TaskFactory(estimated_cost=50_000, status=Task.Status.ACCEPTED)  # another project's

    progress = selectors.project_progress(project)

    assert (progress.estimated_total, progress.accepted_cost, progress.done_cost) == (
        6_000,
        3_000,
        4_000,
    )
    assert progress.accepted_percent == 50  # 3,000 / 6,000
    assert progress.done_percent == 66  # 4,000 / 6,000 = 66.7 %, rounded down
    assert (progress.tasks, progress.tasks_accepted, progress.tasks_done) == (4, 2, 3)


def test_progress_by_count_when_no_task_has_a_cost(project):
    TaskFactory(project=project, estimated_cost=0, status=Task.Status.ACCEPTED)
    TaskFactory(project=project, estimated_cost=0, status=Task.Status.DONE)
    TaskFactory(project=project, estimated_cost=0)

    progress = selectors.project_progress(project)

    assert (progress.accepted_percent, progress.done_percent) == (33, 66)


def test_no_tasks_is_no_progress(project):
    progress = selectors.project_progress(project)
    assert (progress.accepted_percent, progress.done_percent) == (0, 0)


# --- updates and photos ---------------------------------------------------------------


def test_an_update_photo_keeps_when_it_was_taken_and_serves_no_metadata(
    project, manager, photo_storage, django_capture_on_commit_callbacks
):
    taken = datetime(2026, 11, 20, 14, 3, 0)  # noqa: DTZ001 - EXIF times have no zone
    exif = images.photo_exif(taken=taken, gps=(47.33, 130.3), camera=("Xiaomi", "Redmi 12"))
    upload = images.upload(images.jpeg(1200, 900, exif=exif))

    with django_capture_on_commit_callbacks(execute=True):
        update = services.update_post(project=project, by=manager, note="Tiles on", photos=[upload])

    photo = RenovationPhoto.objects.get(update=update)
    assert photo.status == RenovationPhoto.Status.READY
    assert photo.captured_at == timezone.make_aware(taken)  # Beijing time
    assert photo.received_at > photo.captured_at
    assert set(photo.variants) == {"thumb", "medium", "large"}
    assert not [name for name in photo_storage.files() if name.startswith("media/")]
    for variant in photo.variants.values():
        for key in ("webp", "jpeg"):
            with storages["private"].open(variant[key]) as stored:
                served = Image.open(BytesIO(stored.read()))
                assert not served.getexif()
                assert "exif" not in served.info
                assert "icc_profile" not in served.info
    with storages["private"].open(photo.original.name) as original:  # kept, never served
        assert Image.open(original).getexif()
    assert _kinds(project.owner) == [Kind.RENOVATION_UPDATE]


def test_a_bad_photo_stores_nothing(project, manager, photo_storage):
    good = images.upload(images.jpeg())
    bad = images.upload(images.html_as_jpeg(), name="evil.jpg")

    with pytest.raises(ValidationError) as error:
        services.update_post(project=project, by=manager, note="x", photos=[good, bad])

    assert "evil.jpg" in error.value.message_dict["photos"][0]
    assert project.updates.count() == 0
    assert photo_storage.files() == []


def test_a_receipt_goes_through_the_same_pipeline(
    project, manager, django_capture_on_commit_callbacks
):
    receipt = images.upload(images.jpeg(900, 1200))

    with django_capture_on_commit_callbacks(execute=True):
        expense = services.expense_add(
            project=project,
            by=manager,
            data={"amount": 380, "category": "materials", "spent_on": date(2026, 11, 21)},
            receipt=receipt,
        )

    photo = RenovationPhoto.objects.get(expense=expense)
    assert photo.status == RenovationPhoto.Status.READY
    assert {"thumb", "large"} <= set(photo.variants)


def test_processing_twice_does_nothing_more(project, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(
            project=project, by=manager, note="x", photos=[images.upload(images.jpeg())]
        )
    photo = RenovationPhoto.objects.get()

    again = photo_pipeline.photo_process(model=RenovationPhoto, photo_id=photo.pk)

    assert again.attempts == 1
    assert again.variants == photo.variants


def test_an_owner_posting_is_not_told_of_their_own_update(project):
    services.update_post(project=project, by=project.owner, note="Came to see it")
    assert _kinds(project.owner) == []


def test_an_empty_update_is_refused(project, manager):
    with pytest.raises(ValidationError) as error:
        services.update_post(project=project, by=manager, note="  ")
    assert "note" in error.value.message_dict


def test_stale_pending_photos_are_queued_again(project, manager, settings):
    update = services.update_post(project=project, by=manager, note="x")
    stale = RenovationPhotoFactory(
        update=update,
        status=RenovationPhoto.Status.PENDING,
        variants={},
        original__data=images.jpeg(),
    )
    RenovationPhoto.objects.filter(pk=stale.pk).update(
        received_at=timezone.now() - timedelta(minutes=10)
    )
    RenovationPhotoFactory(update=update, status=RenovationPhoto.Status.PENDING, variants={})

    assert photo_pipeline.photos_requeue_stale() == 1  # the fresh one may still be on its way
    assert RenovationPhoto.objects.get(pk=stale.pk).status == RenovationPhoto.Status.READY
