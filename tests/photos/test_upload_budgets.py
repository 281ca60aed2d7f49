"""How many photos one person may upload: per hour and per day, across every door that takes
one (listing photos in the API and the admin, renovation update photos and receipts on the web
and in the API). Accepted uploads are recorded; deleting photos refunds nothing."""

from datetime import date

import pytest
from django.urls import reverse

from listings import services as listing_services
from listings.models import ListingPhoto
from marketplace.limits import LimitExceeded
from photos.models import PhotoUpload
from photos.services import photo_uploads_check, photo_uploads_record
from renovations.models import RenovationPhoto, Role
from tests.accounts.factories import AgentFactory
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.renovations.factories import MemberFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]


@pytest.fixture
def budget(settings):
    settings.PHOTO_UPLOADS_PER_HOUR = 3
    settings.PHOTO_UPLOADS_PER_DAY = 5


@pytest.fixture
def agent():
    return AgentFactory()


@pytest.fixture
def listing(agent):
    return ListingFactory(agent=agent)


@pytest.fixture
def project(agent):
    project = ProjectFactory()
    MemberFactory(project=project, user=agent, role=Role.MANAGER)
    return project


def jpegs(count: int, prefix: str = "photo") -> list:
    colours = ["red", "green", "blue", "white", "black", "orange", "purple", "grey", "navy", "teal"]
    return [
        images.upload(images.jpeg(image=images.picture(400, 300, colours[n])), f"{prefix}{n}.jpg")
        for n in range(count)
    ]


# --- the rule -------------------------------------------------------------------------------


def test_the_hourly_budget_says_when_the_oldest_photos_leave_the_hour(budget, agent, clock):
    photo_uploads_record(user=agent, count=2)
    clock.advance(minutes=20)
    photo_uploads_record(user=agent, count=1)

    with pytest.raises(LimitExceeded) as refused:
        photo_uploads_check(user=agent, count=1, field="image")

    assert refused.value.retry_after == 40 * 60
    assert refused.value.message_dict == {
        "image": ["You may upload at most 3 photos in an hour. Try again in 40 minutes."]
    }


def test_the_daily_budget_counts_the_last_24_hours(budget, agent, clock):
    for _hour in range(2):
        photo_uploads_record(user=agent, count=2)
        clock.advance(hours=2)
    photo_uploads_record(user=agent, count=1)  # 5 today, 1 in the last hour

    with pytest.raises(LimitExceeded, match=r"at most 5 photos in a day\. Try again in 20 hours\."):
        photo_uploads_check(user=agent, count=1)

    clock.advance(hours=20, minutes=1)  # the first two leave the day
    photo_uploads_record(user=agent, count=2)


def test_a_batch_that_would_pass_the_budget_is_refused_whole(budget, agent):
    photo_uploads_record(user=agent, count=2)

    with pytest.raises(LimitExceeded):
        photo_uploads_record(user=agent, count=2)

    assert PhotoUpload.objects.filter(user=agent).count() == 2


def test_each_person_has_a_budget_of_their_own(budget, agent):
    photo_uploads_record(user=agent, count=3)

    photo_uploads_record(user=AgentFactory(), count=3)


def test_rows_older_than_a_day_are_pruned_as_the_person_uploads(budget, agent, clock):
    photo_uploads_record(user=agent, count=3)
    clock.advance(days=1, seconds=1)

    photo_uploads_record(user=agent, count=1)

    assert PhotoUpload.objects.filter(user=agent).count() == 1


# --- every door -----------------------------------------------------------------------------


def test_deleting_photos_refunds_nothing(budget, agent, listing):
    photos = [
        listing_services.photo_add(listing=listing, upload=upload, by=agent) for upload in jpegs(3)
    ]
    for photo in photos:
        listing_services.photo_delete(photo=photo, by=photo.listing.agent)

    with pytest.raises(LimitExceeded):
        listing_services.photo_add(listing=listing, upload=jpegs(1, "more")[0], by=agent)


def test_the_listing_photo_api_answers_429_and_stores_nothing(
    budget, api_client, agent, listing, photo_storage
):
    PhotoUpload.objects.bulk_create([PhotoUpload(user=agent) for _photo in range(3)])
    api_client.force_authenticate(agent)

    response = api_client.post(
        f"/api/v1/listings/{listing.pk}/photos/", {"image": jpegs(1)[0]}, format="multipart"
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert response.data["detail"] == (
        "You may upload at most 3 photos in an hour. Try again in 1 hour."
    )
    assert photo_storage.files() == []
    assert not ListingPhoto.objects.exists()


def test_the_admin_refuses_a_batch_over_the_budget_whole(
    budget, client, agent, listing, photo_storage
):
    from tests.admin.test_photo_admin import form_data, listing_url

    client.force_login(agent)

    response = client.post(listing_url(listing), form_data(listing, add_photos=jpegs(4)))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["add_photos"]
    assert errors == ["You may upload at most 3 photos in an hour. Try again in 1 hour."]
    assert photo_storage.files() == []
    assert not PhotoUpload.objects.exists()


def test_the_admin_counts_a_batch_within_the_budget(
    budget, client, agent, listing, django_capture_on_commit_callbacks
):
    from tests.admin.test_photo_admin import form_data, listing_url

    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(listing_url(listing), form_data(listing, add_photos=jpegs(3)))

    assert response.status_code == 302
    assert listing.photos.count() == 3
    assert PhotoUpload.objects.filter(user=agent).count() == 3


def test_an_update_of_ten_photos_over_the_budget_is_refused_whole_in_the_api(
    settings, api_client, agent, project, photo_storage
):
    settings.PHOTO_UPLOADS_PER_HOUR = 12
    PhotoUpload.objects.bulk_create([PhotoUpload(user=agent) for _photo in range(3)])
    api_client.force_authenticate(agent)

    response = api_client.post(
        f"/api/v1/renovations/{project.pk}/updates/",
        {"note": "瓷砖贴好了", "photos": jpegs(10)},
        format="multipart",
    )

    assert response.status_code == 429
    assert "at most 12 photos in an hour" in response.data["detail"]
    assert project.updates.count() == 0
    assert photo_storage.files() == []
    assert PhotoUpload.objects.filter(user=agent).count() == 3


def test_the_update_form_says_when_to_retry_and_keeps_the_note(
    budget, client, agent, project, photo_storage
):
    PhotoUpload.objects.bulk_create([PhotoUpload(user=agent) for _photo in range(3)])
    client.force_login(agent)

    response = client.post(
        reverse("renovations:update-add", args=[project.pk]),
        {"update-note": "水电走完了", "update-photos": jpegs(1)},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "You may upload at most 3 photos in an hour. Try again in 1 hour." in page
    assert "水电走完了" in page
    assert photo_storage.files() == []


def test_a_receipt_counts_against_the_same_budget(
    budget, api_client, agent, listing, project, photo_storage
):
    listing_services.photos_add(listing=listing, uploads=jpegs(3), by=agent)
    api_client.force_authenticate(agent)

    response = api_client.post(
        f"/api/v1/renovations/{project.pk}/expenses/",
        {
            "amount": "380",
            "category": "materials",
            "spent_on": date.today().isoformat(),  # noqa: DTZ011 - a calendar date
            "receipt": jpegs(1, "receipt")[0],
        },
        format="multipart",
    )

    assert response.status_code == 429
    assert not project.expenses.exists()
    assert not RenovationPhoto.objects.exists()


def test_an_expense_without_a_receipt_needs_no_budget(budget, api_client, agent, project):
    PhotoUpload.objects.bulk_create([PhotoUpload(user=agent) for _photo in range(5)])
    api_client.force_authenticate(agent)

    response = api_client.post(
        f"/api/v1/renovations/{project.pk}/expenses/",
        {"amount": "380", "category": "materials", "spent_on": "2026-01-05"},
    )

    assert response.status_code == 201, response.data


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_uploads_on_postgresql_accepts_exactly_the_budget(settings, photo_storage):
    from collections import Counter

    from rest_framework.test import APIClient

    from marketplace.celery import app as celery_app
    from tests.concurrency import at_once

    celery_app.conf.task_always_eager = True  # no worker here: processed inline
    settings.PHOTO_UPLOADS_PER_HOUR = 10
    listing = ListingFactory()
    contents = [images.jpeg(image=images.noise(400, 300)) for _photo in range(25)]

    def upload(index: int):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        client.force_authenticate(listing.agent)
        response = client.post(
            f"/api/v1/listings/{listing.pk}/photos/",
            {"image": images.upload(contents[index], f"{index}.jpg")},
            format="multipart",
        )
        return response.status_code

    statuses = at_once(25, upload)

    assert Counter(statuses) == {201: 10, 429: 15}
    assert listing.photos.count() == 10
    assert PhotoUpload.objects.filter(user=listing.agent).count() == 10
