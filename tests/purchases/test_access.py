"""The access matrix: the buyer and the agent see and change their purchase; another buyer,
another agent and staff get a 404 for it, its steps and its documents, whatever the door."""

import pytest
from django.urls import reverse
from knox.models import AuthToken

from purchases.models import Purchase, Step
from tests.accounts.factories import SuperuserFactory
from tests.purchases.conftest import ACTORS, PARTIES, pdf_upload

pytestmark = pytest.mark.django_db


def as_actor(client, world, actor):
    user = world.user(actor)
    if user is not None:
        client.force_login(user)
    return client


def api_as(api_client, world, actor):
    user = world.user(actor)
    if user is not None:
        _token, key = AuthToken.objects.create(user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def expected(actor, success, *, anonymous):
    if actor == "anonymous":
        return anonymous
    return success if actor in PARTIES else 404


def web_doors(world):
    purchase, step = world.purchase, world.step(Step.Kind.VIEWING)
    return {
        "page": ("get", reverse("purchases:detail", args=[purchase.pk]), {}, 200),
        "document": (
            "get",
            reverse("purchases:document", args=[purchase.pk, world.document.pk]),
            {},
            200,
        ),
        "step": (
            "post",
            reverse("purchases:step", args=[purchase.pk, step.pk]),
            {f"step-{step.pk}-status": "done", f"step-{step.pk}-note": "视频看过了"},
            302,
        ),
        "file": (
            "post",
            reverse("purchases:step-file", args=[purchase.pk, step.pk]),
            {f"file-{step.pk}-file": pdf_upload(), f"file-{step.pk}-title": "x"},
            302,
        ),
        "abandon": ("post", reverse("purchases:abandon", args=[purchase.pk]), {}, 302),
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("door", ["page", "document", "step", "file", "abandon"])
def test_web_pages_are_for_the_two_parties(client, world, actor, door):
    method, url, data, success = web_doors(world)[door]

    response = getattr(as_actor(client, world, actor), method)(url, data)

    assert response.status_code == expected(actor, success, anonymous=302)
    purchase = Purchase.objects.get(pk=world.purchase.pk)
    changed = purchase.status != "active" or world.step(Step.Kind.VIEWING).status != "todo"
    files = world.step(Step.Kind.VIEWING).documents.count()
    if actor in PARTIES:
        if door == "document":
            assert response["Content-Type"] == "application/pdf"
            assert response["Cache-Control"] == "private, no-store"
            assert b"".join(response.streaming_content).startswith(b"%PDF-")
    else:
        assert not changed
        assert files == 0


def api_doors(world):
    purchase, step = world.purchase, world.step(Step.Kind.VIEWING)
    base = f"/api/v1/purchases/{purchase.pk}"
    return {
        "detail": ("get", f"{base}/", {}, 200),
        "document": ("get", f"{base}/documents/{world.document.pk}/file/", {}, 200),
        "step": ("patch", f"{base}/steps/{step.pk}/", {"status": "done"}, 200),
        "file": ("post", f"{base}/steps/{step.pk}/files/", {"file": pdf_upload()}, 201),
        "abandon": ("post", f"{base}/abandon/", {}, 200),
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("door", ["detail", "document", "step", "file", "abandon"])
def test_api_is_for_the_two_parties(api_client, world, actor, door):
    method, url, data, success = api_doors(world)[door]
    client = api_as(api_client, world, actor)

    fmt = "multipart" if door == "file" else "json"
    response = (
        getattr(client, method)(url, data, format=fmt) if data else getattr(client, method)(url)
    )

    assert response.status_code == expected(actor, success, anonymous=401)
    if actor not in PARTIES:
        assert Purchase.objects.get(pk=world.purchase.pk).status == "active"
        assert world.step(Step.Kind.VIEWING).status == "todo"


@pytest.mark.parametrize("actor", ACTORS)
def test_the_lists_show_only_ones_own_purchases(client, api_client, world, actor):
    page = as_actor(client, world, actor).get(reverse("purchases:list"))
    api = api_as(api_client, world, actor).get("/api/v1/purchases/")

    if actor == "anonymous":
        assert page.status_code == 302
        assert api.status_code == 401
        return
    mine = set(Purchase.objects.filter(buyer=world.user(actor)).values_list("pk", flat=True)) | set(
        Purchase.objects.filter(agent=world.user(actor)).values_list("pk", flat=True)
    )
    assert {row["id"] for row in api.json()["results"]} == mine
    assert (world.purchase in page.context["purchases"]) == (actor in PARTIES)


@pytest.mark.parametrize("actor", ACTORS)
def test_step_photos_are_private_to_the_two_parties(client, world, actor):
    urls = [size["url"] for size in world.photo.sizes.values()]
    assert urls
    assert all(url.startswith("/private-media/") for url in urls)

    for url in urls:
        response = as_actor(client, world, actor).get(url)
        assert response.status_code == (200 if actor in PARTIES else 404)


def test_the_document_is_not_in_the_public_storage(world, photo_storage):
    stored = photo_storage.files()

    assert any(name.startswith("private-media/purchases/") for name in stored)
    assert not any(name.startswith("media/purchases") for name in stored)
    assert world.document.file.name.endswith(".pdf")
    assert "extract" not in world.document.file.name  # the uploader's file name is not kept


def test_staff_see_no_purchase_of_others_on_the_site(client, world):
    client.force_login(SuperuserFactory())

    assert client.get(reverse("purchases:detail", args=[world.purchase.pk])).status_code == 404
    url = reverse("purchases:document", args=[world.purchase.pk, world.document.pk])
    assert client.get(url).status_code == 404


def test_a_document_of_another_purchase_is_not_found_through_ones_own(client, world):
    client.force_login(world.other_buyer)
    other = Purchase.objects.get(buyer=world.other_buyer)

    url = reverse("purchases:document", args=[other.pk, world.document.pk])

    assert client.get(url).status_code == 404
