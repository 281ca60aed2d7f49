"""The pages of both parties: progress, the next step in words, forms that keep what was typed."""

import pytest
from django.urls import reverse

from listings.models import Listing
from messaging.services import conversation_start
from purchases import services
from purchases.models import Purchase, Step
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory
from tests.purchases.conftest import pdf_upload
from tests.purchases.factories import PurchaseFactory, step_of

pytestmark = pytest.mark.django_db


def test_a_buyer_starts_from_the_listing_page(client):
    listing = ListingFactory()
    buyer = BuyerFactory()
    client.force_login(buyer)

    page = client.get(listing.get_absolute_url())
    assert "Start the purchase checklist" in page.content.decode()

    response = client.post(reverse("purchases:open"), {"listing": listing.pk})

    purchase = Purchase.objects.get(buyer=buyer)
    assert response.status_code == 302
    assert response["Location"] == purchase.get_absolute_url()
    again = client.get(listing.get_absolute_url()).content.decode()
    assert "Your purchase of this flat" in again


def test_an_agent_proposes_to_a_buyer_who_asked(client):
    listing = ListingFactory()
    buyer = BuyerFactory()
    conversation = conversation_start(buyer=buyer, listing=listing, body="在吗？")[0]
    client.force_login(listing.agent)

    page = client.get(reverse("purchases:list")).content.decode()
    assert buyer.display_name in page
    client.post(reverse("purchases:open"), {"conversation": conversation.pk})

    purchase = Purchase.objects.get(buyer=buyer)
    assert purchase.opened_by == listing.agent
    client.force_login(buyer)
    detail = client.get(purchase.get_absolute_url()).content.decode()
    assert "Accept: go through this purchase" in detail


def test_an_agent_cannot_propose_another_agents_conversation(client):
    listing = ListingFactory()
    conversation = conversation_start(buyer=BuyerFactory(), listing=listing, body="在吗？")[0]
    client.force_login(ListingFactory().agent)

    client.post(reverse("purchases:open"), {"conversation": conversation.pk})

    assert not Purchase.objects.exists()


def test_the_page_shows_progress_and_the_next_step_in_words(client):
    purchase = PurchaseFactory()
    services.step_update(
        step=step_of(purchase, Step.Kind.VIEWING), by=purchase.agent, data={"status": "done"}
    )
    client.force_login(purchase.buyer)

    page = client.get(purchase.get_absolute_url()).content.decode()

    assert "1 of 9 steps done" in page
    assert 'value="11"' in page
    assert "Next: Ownership certificate (不动产权证) checked. The agent:" in page


def test_the_deposit_says_why_it_must_wait(client):
    purchase = PurchaseFactory()
    client.force_login(purchase.buyer)

    page = client.get(purchase.get_absolute_url()).content.decode()

    assert "Do not pay yet" in page
    assert "mortgage or seizure" in page


def test_a_refused_step_comes_back_with_the_message_and_the_note_kept(client):
    purchase = PurchaseFactory()
    deposit = step_of(purchase, Step.Kind.DEPOSIT)
    client.force_login(purchase.buyer)

    response = client.post(
        reverse("purchases:step", args=[purchase.pk, deposit.pk]),
        {f"step-{deposit.pk}-status": "done", f"step-{deposit.pk}-note": "转账 5000 元到监管账户"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "转账 5000 元到监管账户" in page
    assert "Do not pay yet" in page
    assert step_of(purchase, Step.Kind.DEPOSIT).status == "todo"


def test_a_refused_file_comes_back_with_the_message(client):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.ARREARS)
    client.force_login(purchase.agent)

    response = client.post(
        reverse("purchases:step-file", args=[purchase.pk, step.pk]),
        {f"file-{step.pk}-file": pdf_upload(b"%PDF-1.4 junk"), f"file-{step.pk}-title": "收据"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be read" in page
    assert 'value="收据"' in page


def test_the_agent_ticks_every_step_the_buyer_confirms_the_money_and_starts_the_renovation(
    client,
):
    purchase = PurchaseFactory()
    steps = {step.kind: step for step in purchase.steps.all()}

    def post(user, kind, status="done"):
        client.force_login(user)
        step = steps[kind]
        return client.post(
            reverse("purchases:step", args=[purchase.pk, step.pk]),
            {f"step-{step.pk}-status": status},
        )

    for kind in ("viewing", "ownership", "encumbrances", "arrears", "contract", "handover"):
        assert post(purchase.agent, kind).status_code == 302
    assert post(purchase.agent, "power_of_attorney", "not_needed").status_code == 302
    assert post(purchase.buyer, "deposit").status_code == 302
    assert post(purchase.buyer, "transfer").status_code == 302

    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.COMPLETED
    assert Listing.objects.get(pk=purchase.listing_id).status == Listing.Status.SOLD
    page = client.get(purchase.get_absolute_url()).content.decode()
    assert "Start the renovation project" in page
    response = client.post(reverse("purchases:renovation", args=[purchase.pk]))
    purchase.refresh_from_db()
    assert response["Location"] == purchase.renovation.get_absolute_url()


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_page_costs_the_same_whatever_its_length(
    client, django_assert_num_queries, settings, count
):
    settings.PURCHASES_OPENED_PER_DAY = 10
    buyer = BuyerFactory()
    for _n in range(count):
        PurchaseFactory(buyer=buyer)
    client.force_login(buyer)

    # session, user, purchases (with progress), next steps, unread messages and notifications
    with django_assert_num_queries(6):
        response = client.get(reverse("purchases:list"))

    assert len(response.context["purchases"]) == count


@pytest.mark.parametrize("count", [1, 6])
def test_the_agents_list_page_costs_the_same_whatever_its_length(
    client, django_assert_num_queries, count
):
    first = PurchaseFactory()
    for _n in range(count - 1):
        PurchaseFactory(listing=ListingFactory(agent=first.agent))
    client.force_login(first.agent)

    # as the buyer's, and whether any buyer asked (none: no choices to list)
    with django_assert_num_queries(7):
        response = client.get(reverse("purchases:list"))

    assert len(response.context["purchases"]) == count


@pytest.mark.parametrize("files", [1, 5])
def test_the_purchase_page_costs_the_same_whatever_its_files(
    client, django_assert_num_queries, files
):
    purchase = PurchaseFactory()
    step = step_of(purchase, Step.Kind.OWNERSHIP)
    for _n in range(files):
        services.step_file_add(step=step, by=purchase.agent, upload=pdf_upload())
    client.force_login(purchase.agent)

    # session, user, purchase, steps, documents, photos, unread messages and notifications
    with django_assert_num_queries(8):
        response = client.get(purchase.get_absolute_url())

    assert response.status_code == 200


def test_the_checklist_reads_in_chinese(client):
    purchase = PurchaseFactory()
    client.force_login(purchase.buyer)

    page = client.get(purchase.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "已核对不动产权证" in page
    assert "资金监管" in page
    assert "请先不要付款" in page
