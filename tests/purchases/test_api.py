"""The API: open, accept, steps and files; clear 400s; fixed query counts."""

import pytest
from knox.models import AuthToken

from listings.models import Listing
from messaging.services import conversation_start
from purchases import services
from purchases.models import Purchase, Step
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory
from tests.purchases.conftest import pdf_upload
from tests.purchases.factories import PurchaseFactory, step_of

pytestmark = pytest.mark.django_db


def signed_in(api_client, user):
    _token, key = AuthToken.objects.create(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def test_a_buyer_opens_and_the_agent_accepts_through_the_api(api_client):
    listing = ListingFactory()
    buyer = BuyerFactory()

    opened = signed_in(api_client, buyer).post(
        "/api/v1/purchases/", {"listing": listing.pk}, format="json"
    )

    assert opened.status_code == 201, opened.json()
    body = opened.json()
    assert body["status"] == "proposed"
    assert body["role"] == "buyer"
    assert [step["kind"] for step in body["steps"]][:2] == ["viewing", "ownership"]
    assert body["progress"] == {
        "finished": 0,
        "total": 9,
        "percent": 0,
        "next_step": "viewing",
        "next_words": body["progress"]["next_words"],
    }
    assert body["progress"]["next_words"].startswith("Next: Video viewing done.")

    accepted = signed_in(api_client, listing.agent).post(f"/api/v1/purchases/{body['id']}/accept/")

    assert accepted.status_code == 200
    assert accepted.json()["status"] == "active"
    assert accepted.json()["listing"]["status"] == Listing.Status.RESERVED


def test_an_agent_opens_with_a_buyer_who_asked(api_client):
    listing = ListingFactory()
    buyer = BuyerFactory()
    conversation_start(buyer=buyer, listing=listing, body="请问可以视频看房吗？")
    client = signed_in(api_client, listing.agent)

    stranger = client.post(
        "/api/v1/purchases/", {"listing": listing.pk, "buyer": BuyerFactory().pk}, format="json"
    )
    asked = client.post(
        "/api/v1/purchases/", {"listing": listing.pk, "buyer": buyer.pk}, format="json"
    )

    assert stranger.status_code == 400
    assert "buyer" in stranger.json()
    assert asked.status_code == 201
    assert asked.json()["buyer"]["id"] == buyer.pk


def test_money_before_the_checks_is_a_400_that_says_why(api_client):
    purchase = PurchaseFactory()
    deposit = step_of(purchase, Step.Kind.DEPOSIT)

    response = signed_in(api_client, purchase.buyer).patch(
        f"/api/v1/purchases/{purchase.pk}/steps/{deposit.pk}/", {"status": "done"}, format="json"
    )

    assert response.status_code == 400
    message = response.json()["status"][0]
    assert "Do not pay yet" in message
    assert "Ownership certificate" in message


def test_a_bad_status_is_a_400_on_the_field(api_client):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.OWNERSHIP)

    response = signed_in(api_client, purchase.agent).patch(
        f"/api/v1/purchases/{purchase.pk}/steps/{step.pk}/", {"status": "paid"}, format="json"
    )

    assert response.status_code == 400
    assert "status" in response.json()


def test_the_buyer_may_not_tick_the_agents_step(api_client):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.OWNERSHIP)

    response = signed_in(api_client, purchase.buyer).patch(
        f"/api/v1/purchases/{purchase.pk}/steps/{step.pk}/", {"status": "done"}, format="json"
    )

    assert response.status_code == 403
    assert step_of(purchase, Step.Kind.OWNERSHIP).status == "todo"


def test_a_step_update_returns_the_step(api_client):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.OWNERSHIP)

    response = signed_in(api_client, purchase.agent).patch(
        f"/api/v1/purchases/{purchase.pk}/steps/{step.pk}/",
        {"status": "done", "done_on": "2026-11-30", "note": "证号尾号 0417"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["done_on"] == "2026-11-30"
    assert response.json()["note"] == "证号尾号 0417"
    assert response.json()["actor"] == "agent"


def test_a_document_upload_answers_with_its_url(api_client):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.ENCUMBRANCES)
    client = signed_in(api_client, purchase.agent)

    response = client.post(
        f"/api/v1/purchases/{purchase.pk}/steps/{step.pk}/files/",
        {"file": pdf_upload(), "title": "查档"},
        format="multipart",
    )

    assert response.status_code == 201
    document = response.json()["document"]
    assert response.json()["photo"] is None
    assert document["title"] == "查档"
    assert client.get(document["url"]).status_code == 200


def test_a_bad_file_is_a_400_on_file(api_client):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.ENCUMBRANCES)

    response = signed_in(api_client, purchase.agent).post(
        f"/api/v1/purchases/{purchase.pk}/steps/{step.pk}/files/",
        {"file": pdf_upload(b"%PDF-1.4 broken")},
        format="multipart",
    )

    assert response.status_code == 400
    assert "cannot be read" in response.json()["file"][0]


def test_opening_too_many_is_a_429(api_client, settings):
    settings.PURCHASES_OPENED_PER_DAY = 1
    buyer = BuyerFactory()
    client = signed_in(api_client, buyer)
    client.post("/api/v1/purchases/", {"listing": ListingFactory().pk}, format="json")

    response = client.post("/api/v1/purchases/", {"listing": ListingFactory().pk}, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def purchases_of(agent, count):
    for _n in range(count):
        PurchaseFactory(listing=ListingFactory(agent=agent))


@pytest.mark.parametrize("count", [2, 7])
def test_the_list_costs_the_same_whatever_its_length(api_client, django_assert_num_queries, count):
    purchase = PurchaseFactory()
    purchases_of(purchase.agent, count - 1)
    client = signed_in(api_client, purchase.agent)

    # token, user, purchases page (with progress), the next steps
    with django_assert_num_queries(4):
        response = client.get("/api/v1/purchases/")

    assert len(response.json()["results"]) == count
    row = response.json()["results"][0]
    assert row["progress"]["total"] == 9


@pytest.mark.parametrize("files", [1, 4])
def test_the_detail_costs_the_same_whatever_its_files(api_client, django_assert_num_queries, files):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.OWNERSHIP)
    for _n in range(files):
        services.step_file_add(step=step, by=purchase.agent, upload=pdf_upload())
    client = signed_in(api_client, purchase.agent)

    # token, user, purchase, steps, documents (with uploaders), photos
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1/purchases/{purchase.pk}/")

    assert len(response.json()["steps"][1]["documents"]) == files


def test_renovation_from_the_api(api_client):
    purchase = PurchaseFactory()
    client = signed_in(api_client, purchase.buyer)

    early = client.post(f"/api/v1/purchases/{purchase.pk}/renovation/")

    assert early.status_code == 400
    Purchase.objects.filter(pk=purchase.pk).update(status="completed")
    started = client.post(f"/api/v1/purchases/{purchase.pk}/renovation/")
    assert started.status_code == 201
    assert started.json()["renovation"] is not None
