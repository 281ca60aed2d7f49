"""Verified listings: private proof documents, verifiers' mark with date and who, which edits
take it away (every door: service, API, admin), the badge, the API field and the filter."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from alerts.services import saved_search_create
from listings import services
from listings.models import Listing, ListingProof, may_verify_listings
from photos.variants import PRIVATE
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory, UserFactory
from tests.admin.test_listing_admin import _form_data
from tests.listings.factories import ListingFactory
from tests.photos import images

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

Kind = ListingProof.Kind


def make_verifier():
    verifier = UserFactory(is_staff=True)
    verifier.groups.add(Group.objects.get(name="Verifiers"))
    return verifier


@pytest.fixture
def verifier():
    return make_verifier()


@pytest.fixture
def add_proof(django_capture_on_commit_callbacks):
    def add(listing, kind, by=None) -> ListingProof:
        with django_capture_on_commit_callbacks(execute=True):
            proof = services.proof_add(
                listing=listing,
                upload=images.upload(images.jpeg(image=images.room(40))),
                kind=kind,
                by=by or listing.agent,
            )
        proof.refresh_from_db()
        return proof

    return add


@pytest.fixture
def proven(add_proof):
    listing = ListingFactory()
    add_proof(listing, Kind.OWNERSHIP_CERTIFICATE)
    add_proof(listing, Kind.SELLER_AUTHORISATION)
    return listing


@pytest.fixture
def verified(proven, verifier):
    return services.listing_verify(listing=proven, by=verifier)


# --- who verifies ------------------------------------------------------------------------------


def test_the_verifiers_group_exists():
    assert Group.objects.filter(name="Verifiers").exists()


def test_a_verifier_marks_the_listing_verified_with_date_and_who(proven, verifier):
    listing = services.listing_verify(listing=proven, by=verifier)

    listing.refresh_from_db()
    assert listing.is_verified
    assert listing.verified_by == verifier
    assert listing.verified_at is not None


@pytest.mark.parametrize(
    ("make_user", "allowed"),
    [
        (make_verifier, True),
        (lambda: SuperuserFactory(is_staff=True), True),
        (AgentFactory, False),  # not even its own listing's agent
        (BuyerFactory, False),
        # In the group but no longer staff: refused.
        (lambda: _without_staff(make_verifier()), False),
    ],
)
def test_only_verifiers_verify(proven, make_user, allowed):
    user = make_user()
    assert may_verify_listings(user) is allowed
    if allowed:
        services.listing_verify(listing=proven, by=user)
    else:
        with pytest.raises(PermissionDenied):
            services.listing_verify(listing=proven, by=user)


def _without_staff(user):
    user.is_staff = False
    user.save()
    return user


def test_the_listing_agent_cannot_verify_their_own(proven):
    with pytest.raises(PermissionDenied):
        services.listing_verify(listing=proven, by=proven.agent)


def test_verifying_needs_both_documents(add_proof, verifier):
    listing = ListingFactory()
    add_proof(listing, Kind.OWNERSHIP_CERTIFICATE)

    with pytest.raises(ValidationError, match="Seller's authorisation"):
        services.listing_verify(listing=listing, by=verifier)


def test_a_verifier_takes_the_mark_away(verified, verifier):
    services.listing_unverify(listing=verified, by=verifier)

    verified.refresh_from_db()
    assert not verified.is_verified
    assert verified.verified_by is None


# --- which edits take the mark away ------------------------------------------------------------


def test_changing_the_price_keeps_the_mark(verified):
    services.listing_update(listing=verified, by=verified.agent, data={"price": 39_000})

    verified.refresh_from_db()
    assert verified.is_verified


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("area_m2", "60.00"),
        ("floor", 4),
        ("community_name", "红旗小区"),
        ("street_address", "建设路 3号"),
    ],
)
def test_changing_what_was_checked_removes_the_mark(verified, field, value):
    services.listing_update(listing=verified, by=verified.agent, data={field: value})

    verified.refresh_from_db()
    assert not verified.is_verified
    assert verified.verified_by is None


def test_moving_the_listing_to_another_district_removes_the_mark(verified):
    from tests.listings.factories import DistrictFactory

    other = DistrictFactory(city=verified.city)
    services.listing_update(listing=verified, by=verified.agent, data={"district": other})

    verified.refresh_from_db()
    assert not verified.is_verified


def test_the_same_values_again_keep_the_mark(verified):
    services.listing_update(
        listing=verified,
        by=verified.agent,
        data={"area_m2": verified.area_m2, "floor": verified.floor, "title": "New words"},
    )

    verified.refresh_from_db()
    assert verified.is_verified


def test_the_api_obeys_the_same_rule(api_client, verified):
    api_client.force_authenticate(verified.agent)

    kept = api_client.patch(f"/api/v1/listings/{verified.pk}/", {"price": 41_000}, format="json")
    assert kept.json()["verified"] is True
    removed = api_client.patch(f"/api/v1/listings/{verified.pk}/", {"floor": 2}, format="json")
    assert removed.status_code == 200
    assert removed.json()["verified"] is False


def test_the_admin_obeys_the_same_rule(client, verified):
    client.force_login(verified.agent)
    url = reverse("admin:listings_listing_change", args=[verified.pk])

    client.post(url, _form_data(verified, price=41_000))
    verified.refresh_from_db()
    assert verified.is_verified
    assert verified.price == 41_000

    client.post(url, _form_data(verified, area_m2="70.00"))
    verified.refresh_from_db()
    assert not verified.is_verified


def test_the_verifiers_admin_action(client, proven, verifier):
    client.force_login(verifier)

    response = client.post(
        reverse("admin:listings_listingtoverify_changelist"),
        {"action": "verify", "_selected_action": [proven.pk]},
    )

    assert response.status_code == 302
    proven.refresh_from_db()
    assert proven.verified_by == verifier


def test_agents_cannot_open_the_verification_admin(client, proven):
    client.force_login(proven.agent)

    response = client.get(reverse("admin:listings_listingtoverify_changelist"))

    assert response.status_code == 403


# --- what buyers see ---------------------------------------------------------------------------


def test_the_badge_on_the_card_and_the_page(client, verified):
    ListingFactory(title="Unchecked flat")

    search = client.get(reverse("listings:search"))
    page = client.get(verified.get_absolute_url())

    assert search.text.count("Verified listing") == 1
    assert "Verified listing" in page.text
    assert "checked the ownership certificate" in page.text


def test_the_badge_in_chinese(client, verified):
    response = client.get(verified.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "已核验房源" in response.text


def test_verified_in_the_api_and_the_filter(api_client, verified):
    other = ListingFactory()

    everything = api_client.get("/api/v1/listings/").json()["results"]
    only = api_client.get("/api/v1/listings/", {"verified": "true"}).json()["results"]
    unverified = api_client.get("/api/v1/listings/", {"verified": "false"}).json()["results"]
    bad = api_client.get("/api/v1/listings/", {"verified": "maybe"})

    assert {row["id"]: row["verified"] for row in everything} == {
        verified.pk: True,
        other.pk: False,
    }
    assert [row["id"] for row in only] == [verified.pk]
    assert [row["id"] for row in unverified] == [other.pk]
    assert bad.status_code == 400
    assert "verified" in bad.json()


def test_the_web_filter(client, verified):
    ListingFactory(title="Unchecked flat")

    response = client.get(reverse("listings:search"), {"verified": "true"})

    assert [listing.pk for listing in response.context["page"].object_list] == [verified.pk]


def test_a_saved_search_keeps_the_verified_filter(verified):
    buyer = BuyerFactory()

    search = saved_search_create(
        user=buyer, params={"verified": "true"}, name="Checked flats", frequency="daily"
    )

    assert search.params == {"verified": "true"}


# --- proof documents: private, seen by the agent and verifiers only ---------------------------


def test_proofs_are_never_public(proven):
    for proof in proven.proofs.all():
        assert proof.status == ListingProof.Status.READY
        assert {data["storage"] for data in proof.variants.values()} == {PRIVATE}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("agent", True),
        ("verifier", True),
        ("superuser", True),
        ("another agent", False),
        ("buyer", False),
        ("anonymous", False),
    ],
)
def test_who_sees_the_proof_files_and_the_api(client, api_client, proven, verifier, who, sees):
    user = {
        "agent": proven.agent,
        "verifier": verifier,
        "superuser": SuperuserFactory(),
        "another agent": AgentFactory(),
        "buyer": BuyerFactory(),
        "anonymous": None,
    }[who]
    if user is not None:
        client.force_login(user)
        api_client.force_authenticate(user)
    proof = proven.proofs.first()

    file_response = client.get(proof.variant("thumb")["url"])
    api_response = api_client.get(f"/api/v1/listings/{proven.pk}/proofs/")

    assert file_response.status_code == (200 if sees else 404)
    if sees:
        assert api_response.status_code == 200
        assert len(api_response.json()) == 2
    else:
        assert api_response.status_code in ((401,) if user is None else (404,))


def test_a_proof_of_a_draft_stays_private_when_published(
    add_proof, django_capture_on_commit_callbacks
):
    draft = ListingFactory(draft=True)
    proof = add_proof(draft, Kind.OWNERSHIP_CERTIFICATE)

    with django_capture_on_commit_callbacks(execute=True):
        services.listing_set_status(listing=draft, by=draft.agent, status=Listing.Status.ACTIVE)

    proof.refresh_from_db()
    assert {data["storage"] for data in proof.variants.values()} == {PRIVATE}


def test_only_the_agent_adds_proofs(api_client, proven, verifier):
    api_client.force_authenticate(verifier)

    response = api_client.post(
        f"/api/v1/listings/{proven.pk}/proofs/",
        {"image": images.upload(images.jpeg()), "kind": "ownership_certificate"},
        format="multipart",
    )

    assert response.status_code == 403


def test_the_agent_adds_a_proof_through_the_api(api_client, django_capture_on_commit_callbacks):
    listing = ListingFactory()
    api_client.force_authenticate(listing.agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"/api/v1/listings/{listing.pk}/proofs/",
            {"image": images.upload(images.jpeg()), "kind": "seller_authorisation"},
            format="multipart",
        )
    bad = api_client.post(
        f"/api/v1/listings/{listing.pk}/proofs/",
        {"image": images.upload(images.jpeg()), "kind": "passport"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "seller_authorisation"
    assert bad.status_code == 400
    assert "kind" in bad.json()


def test_the_agent_adds_proofs_in_the_admin(client, django_capture_on_commit_callbacks):
    listing = ListingFactory()
    client.force_login(listing.agent)
    data = _form_data(listing)
    data["add_ownership_certificate"] = images.upload(images.jpeg())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:listings_listing_change", args=[listing.pk]), data)

    assert response.status_code == 302
    assert listing.proofs.get().kind == Kind.OWNERSHIP_CERTIFICATE
