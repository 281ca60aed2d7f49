"""Who may manage a listing: one rule (Listing.objects.managed_by, Listing.is_managed_by) that
every door obeys: the API, the admin, the listing page and the services."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import user_revoke_agent
from listings import services
from listings.models import Listing
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.listings.factories import DistrictFactory, ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory

pytestmark = pytest.mark.django_db

Status = Listing.Status
ACTORS = {
    "its agent": lambda listing: listing.agent,
    "another agent": lambda listing: AgentFactory(),
    "a superuser": lambda listing: SuperuserFactory(),
    "a buyer": lambda listing: BuyerFactory(),
}
MANAGERS = {"its agent", "a superuser"}


def _api_door(listing, user) -> bool:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    detail = api.get(f"/api/v1/listings/{listing.pk}/").json()
    response = api.patch(f"/api/v1/listings/{listing.pk}/", {"title": "API"}, format="json")
    assert response.status_code in (200, 403, 404), response.content
    # What the API shows only to whoever manages it says the same.
    assert (detail["expires_at"] is not None) is (response.status_code == 200)
    return response.status_code == 200


def _admin_door(listing, user) -> bool:
    client = Client()
    client.force_login(user)
    changelist = client.get(reverse("admin:listings_listing_changelist"))
    listed = changelist.status_code == 200 and listing in changelist.context["cl"].queryset
    change = client.get(reverse("admin:listings_listing_change", args=[listing.pk]))
    assert (change.status_code == 200) is listed
    return listed


def _page_door(listing, user) -> bool:
    client = Client()
    client.force_login(user)
    response = client.get(listing.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    # The expiry notice is for managers; asking the agent is for everyone else.
    assert ("Expires on" in page) is response.context["manages"]
    assert ('id="message-heading"' in page) is not response.context["manages"]
    return response.context["manages"]


def _service_door(listing, user) -> bool:
    try:
        services.listing_update(listing=listing, by=user, data={"title": "Service"})
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize("actor", ACTORS)
def test_every_door_agrees_on_who_manages_a_listing(actor):
    listing = ListingFactory(title="As listed")
    user = ACTORS[actor](listing)
    manages = actor in MANAGERS

    assert listing.is_managed_by(user) is manages
    assert Listing.objects.managed_by(user).filter(pk=listing.pk).exists() is manages
    assert {
        "API": _api_door(listing, user),
        "admin": _admin_door(listing, user),
        "page": _page_door(listing, user),
        "services": _service_door(listing, user),
    } == {"API": manages, "admin": manages, "page": manages, "services": manages}
    listing.refresh_from_db()
    assert listing.title == ("Service" if manages else "As listed")


def _revoked_agent(listing):
    agent = listing.agent
    user_revoke_agent(user=agent)
    return agent


def _inactive(factory):
    return lambda listing: factory(is_active=False)


@pytest.mark.parametrize(
    ("who", "manages"),
    [
        (lambda listing: listing.agent, True),
        (lambda listing: AgentFactory(), False),
        (lambda listing: SuperuserFactory(), True),
        (lambda listing: BuyerFactory(), False),
        (lambda listing: AnonymousUser(), False),
        (_revoked_agent, False),
        (_inactive(SuperuserFactory), False),
        (lambda listing: AgentFactory(is_superuser=True), True),
    ],
    ids=[
        "agent",
        "other agent",
        "superuser",
        "buyer",
        "visitor",
        "agent who left",
        "inactive superuser",
        "agent and superuser",
    ],
)
def test_the_queryset_and_the_predicate_say_the_same(who, manages):
    listings = [ListingFactory(), ListingFactory(draft=True)]
    user = who(listings[0])

    managed = set(Listing.objects.managed_by(user))

    assert {listing for listing in listings if listing.is_managed_by(user)} == managed
    assert (listings[0] in managed) is manages


def test_whoever_manages_a_draft_sees_it_and_nobody_else_does():
    draft = ListingFactory(draft=True)
    left = ListingFactory(draft=True)
    user_revoke_agent(user=left.agent)

    assert draft in Listing.objects.visible_to(draft.agent)
    assert draft in Listing.objects.visible_to(SuperuserFactory())
    assert draft not in Listing.objects.visible_to(AgentFactory())
    # An agent who left manages none of their listings, drafts included.
    assert left not in Listing.objects.visible_to(left.agent)


# --- the photo services check who acts too ---------------------------------------------


PHOTO_SERVICES = {
    "update": lambda photo, by: services.photo_update(photo=photo, by=by, data={"caption": "x"}),
    "delete": lambda photo, by: services.photo_delete(photo=photo, by=by),
    "retry": lambda photo, by: services.photo_retry(photo=photo, by=by),
    "reorder": lambda photo, by: services.photos_reorder(
        listing=photo.listing, by=by, photo_ids=[photo.pk]
    ),
    "add": lambda photo, by: services.photo_add(
        listing=photo.listing, upload=images.upload(images.jpeg()), by=by
    ),
}


@pytest.mark.parametrize("service", PHOTO_SERVICES)
def test_another_agent_is_refused_by_every_photo_service(service):
    photo = ListingPhotoFactory(caption="Kitchen")

    with pytest.raises(PermissionDenied):
        PHOTO_SERVICES[service](photo, AgentFactory())

    photo.refresh_from_db()
    assert photo.caption == "Kitchen"


# --- a new listing's first status, whichever door ------------------------------------


def _new_listing_data(**overrides):
    district = DistrictFactory()
    return {
        "city": district.city,
        "district": district,
        "title": "南北通透",
        "price": 46_000,
        "area_m2": "52.00",
        "rooms": 2,
        "floor": 5,
        "total_floors": 6,
        **overrides,
    }


@pytest.mark.parametrize("status", Status.values)
def test_a_new_listing_starts_as_a_draft_or_active_and_nothing_else(status):
    agent = AgentFactory()
    data = _new_listing_data(status=status)

    if status in (Status.DRAFT, Status.ACTIVE):
        assert services.listing_create(by=agent, data=data).status == status
    else:
        with pytest.raises(ValidationError) as error:
            services.listing_create(by=agent, data=data)
        assert list(error.value.message_dict) == ["status"]
        assert not Listing.objects.exists()


def test_the_api_refuses_a_new_withdrawn_listing():
    agent = AgentFactory()
    district = DistrictFactory()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(agent)
    body = {
        "city": district.city.slug,
        "district": district.pk,
        "title": "南北通透",
        "price": 46_000,
        "area_m2": "52.00",
        "rooms": 2,
        "floor": 5,
        "total_floors": 6,
        "status": "withdrawn",
    }

    response = api.post("/api/v1/listings/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    assert not Listing.objects.exists()


# --- who creates for whom, and gives a listing to another agent ------------------------


def test_a_superuser_creates_a_listing_for_an_agent():
    agent = AgentFactory()

    listing = services.listing_create(by=SuperuserFactory(), agent=agent, data=_new_listing_data())

    assert listing.agent == agent


@pytest.mark.parametrize("creator", [AgentFactory, BuyerFactory], ids=["another agent", "a buyer"])
def test_nobody_else_creates_a_listing_for_an_agent(creator):
    with pytest.raises(PermissionDenied):
        services.listing_create(by=creator(), agent=AgentFactory(), data=_new_listing_data())

    assert not Listing.objects.exists()


def test_a_superuser_cannot_create_a_listing_for_a_buyer():
    with pytest.raises(ValidationError):
        services.listing_create(
            by=SuperuserFactory(), agent=BuyerFactory(), data=_new_listing_data()
        )

    assert not Listing.objects.exists()


def test_a_superuser_gives_a_listing_to_another_agent():
    listing = ListingFactory()
    other = AgentFactory()

    services.listing_set_agent(listing=listing, by=SuperuserFactory(), agent=other)

    listing.refresh_from_db()
    assert listing.agent == other
    assert listing.is_managed_by(other)


@pytest.mark.parametrize("who", ["its agent", "another agent"])
def test_no_agent_gives_a_listing_away(who):
    listing = ListingFactory()
    by = listing.agent if who == "its agent" else AgentFactory()
    agent = listing.agent

    with pytest.raises(PermissionDenied):
        services.listing_set_agent(listing=listing, by=by, agent=AgentFactory())

    listing.refresh_from_db()
    assert listing.agent == agent


def test_a_listing_is_given_only_to_an_agent():
    listing = ListingFactory()
    agent = listing.agent

    with pytest.raises(ValidationError) as error:
        services.listing_set_agent(listing=listing, by=SuperuserFactory(), agent=BuyerFactory())

    assert list(error.value.message_dict) == ["agent"]
    listing.refresh_from_db()
    assert listing.agent == agent
