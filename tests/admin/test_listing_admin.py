import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AgentProfile, User
from listings.models import Listing
from listings.services import EDITABLE_FIELDS
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.listings.factories import DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:listings_listing_changelist")
ADD = reverse("admin:listings_listing_add")
Status = Listing.Status


def _change_url(listing):
    return reverse("admin:listings_listing_change", args=[listing.pk])


def _form_data(listing, **overrides):
    """The POST body the admin change form sends for this listing, with some fields changed."""
    values = model_to_dict(listing, fields=["agent", "status", *EDITABLE_FIELDS])
    values.update(overrides)
    # The photos inline's management form, with the listing's photos left as they are.
    photos = list(listing.photos.all()) if listing.pk else []
    values.update(
        {
            "photos-TOTAL_FORMS": len(photos),
            "photos-INITIAL_FORMS": len(photos),
            "photos-MIN_NUM_FORMS": 0,
            "photos-MAX_NUM_FORMS": 1000,
        }
    )
    for index, photo in enumerate(photos):
        values.update(
            {
                f"photos-{index}-id": photo.pk,
                f"photos-{index}-listing": listing.pk,
                f"photos-{index}-caption": photo.caption,
                f"photos-{index}-position": photo.position,
            }
        )
    return {name: "" if value is None else value for name, value in values.items()}


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _action(client, action, *listings):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [listing.pk for listing in listings], "index": 0},
    )


@pytest.fixture
def agent(client):
    agent = AgentFactory()
    client.force_login(agent)
    return agent


@pytest.fixture
def superuser(client):
    superuser = SuperuserFactory()
    client.force_login(superuser)
    return superuser


# --- who sees what -----------------------------------------------------------------------


def test_agent_changelist_shows_only_their_own_listings(client, agent):
    mine = ListingFactory(agent=agent, title="My flat")
    my_draft = ListingFactory(agent=agent, title="My draft", draft=True)
    ListingFactory(title="Flat of another agent")

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {mine, my_draft}
    assert "Flat of another agent" not in response.content.decode()


def test_agent_changelist_has_no_agent_column(client, agent):
    ListingFactory(agent=agent)

    response = client.get(CHANGELIST)

    assert "agent" not in response.context["cl"].list_display


def test_superuser_changelist_shows_every_listing_with_its_agent(client, superuser):
    listings = ListingFactory.create_batch(3)

    response = client.get(CHANGELIST)

    assert set(response.context["cl"].result_list) == set(listings)
    assert "agent" in response.context["cl"].list_display


def test_changelist_query_count_does_not_grow_with_the_listings(client, agent):
    ListingFactory(agent=agent)
    with CaptureQueriesContext(connection) as one_listing:
        client.get(CHANGELIST)
    ListingFactory.create_batch(5, agent=agent)

    with CaptureQueriesContext(connection) as six_listings:
        client.get(CHANGELIST)

    assert len(six_listings) == len(one_listing)


def test_agent_cannot_open_another_agents_listing(client, agent):
    theirs = ListingFactory(title="Not yours")

    response = client.get(_change_url(theirs))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert any("doesn’t exist" in message for message in _messages(response))


def test_agent_cannot_change_another_agents_listing(client, agent):
    theirs = ListingFactory(title="Not yours", price=46_000)

    response = client.post(_change_url(theirs), _form_data(theirs, title="Hijacked", price=1))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    theirs.refresh_from_db()
    assert (theirs.title, theirs.price) == ("Not yours", 46_000)


def test_agent_cannot_delete_another_agents_listing(client, agent):
    theirs = ListingFactory()

    client.post(reverse("admin:listings_listing_delete", args=[theirs.pk]), {"post": "yes"})

    assert Listing.objects.filter(pk=theirs.pk).exists()


def test_agent_actions_ignore_another_agents_listing(client, agent):
    theirs = ListingFactory(status=Status.ACTIVE)

    _action(client, "mark_sold", theirs)

    theirs.refresh_from_db()
    assert theirs.status == Status.ACTIVE


def test_buyer_cannot_reach_the_admin(client):
    client.force_login(BuyerFactory())

    index = client.get(reverse("admin:index"))
    changelist = client.get(CHANGELIST)

    assert index.status_code == 302
    assert index.url.startswith(reverse("admin:login"))
    assert changelist.status_code == 302
    assert changelist.url.startswith(reverse("admin:login"))


def test_anonymous_cannot_reach_the_listing_admin(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_agent_cannot_manage_users_or_cities(client, agent):
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:listings_city_add")).status_code == 403


# --- the agent field ------------------------------------------------------------------------


def test_agent_field_is_read_only_for_agents(client, agent):
    listing = ListingFactory(agent=agent)

    response = client.get(_change_url(listing))

    assert response.status_code == 200
    assert "agent" not in response.context["adminform"].form.fields
    assert "agent" in response.context["adminform"].readonly_fields


def test_agent_field_is_editable_for_superusers(client, superuser):
    listing = ListingFactory()

    response = client.get(_change_url(listing))

    assert "agent" in response.context["adminform"].form.fields


def test_superuser_can_move_a_listing_to_another_agent(client, superuser):
    listing = ListingFactory()
    new_agent = AgentFactory()

    response = client.post(_change_url(listing), _form_data(listing, agent=new_agent.pk))

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.agent == new_agent


def test_agent_can_change_their_own_listing(client, agent):
    listing = ListingFactory(agent=agent, price=46_000)

    response = client.post(_change_url(listing), _form_data(listing, price=39_000))

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.price == 39_000
    assert listing.price_per_m2 == 750


def test_adding_a_listing_sets_the_agent_to_the_requester_and_ignores_a_forged_agent(client, agent):
    other_agent = AgentFactory()
    district = DistrictFactory()
    template = ListingFactory.build(district=district, city=district.city, agent=other_agent)

    response = client.post(ADD, _form_data(template, status=Status.DRAFT, title="Brand new"))

    assert response.status_code == 302
    listing = Listing.objects.get(title="Brand new")
    assert listing.agent == agent
    assert listing.status == Status.DRAFT
    assert listing.published_at is None


def test_adding_a_listing_as_active_publishes_it(client, agent):
    district = DistrictFactory()
    template = ListingFactory.build(district=district, city=district.city, agent=agent)

    response = client.post(ADD, _form_data(template, status=Status.ACTIVE, title="Live at once"))

    assert response.status_code == 302
    listing = Listing.objects.get(title="Live at once")
    assert listing.status == Status.ACTIVE
    assert listing.published_at is not None


def test_a_new_listing_cannot_start_as_sold(client, agent):
    district = DistrictFactory()
    template = ListingFactory.build(district=district, city=district.city, agent=agent)

    response = client.post(ADD, _form_data(template, status=Status.SOLD, title="Sold already"))

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert not Listing.objects.filter(title="Sold already").exists()


def test_superuser_adds_a_listing_for_the_chosen_agent(client, superuser):
    chosen = AgentFactory()
    district = DistrictFactory()
    template = ListingFactory.build(district=district, city=district.city, agent=chosen)

    response = client.post(ADD, _form_data(template, status=Status.DRAFT, title="For Chen"))

    assert response.status_code == 302
    assert Listing.objects.get(title="For Chen").agent == chosen


# --- status actions ------------------------------------------------------------------------


def test_publish_action_makes_drafts_active_and_sets_published_at(client, agent):
    drafts = ListingFactory.create_batch(2, agent=agent, draft=True)

    response = _action(client, "mark_active", *drafts)

    assert response.status_code == 302
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.status == Status.ACTIVE
        assert draft.published_at is not None
    assert "2 listings changed." in _messages(response)


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("mark_reserved", Status.ACTIVE, Status.RESERVED),
        ("mark_sold", Status.ACTIVE, Status.SOLD),
        ("mark_sold", Status.RESERVED, Status.SOLD),
        ("mark_withdrawn", Status.ACTIVE, Status.WITHDRAWN),
        ("mark_active", Status.WITHDRAWN, Status.ACTIVE),
    ],
)
def test_status_actions_change_the_status(client, agent, action, start, end):
    listing = ListingFactory(agent=agent, status=start)

    _action(client, action, listing)

    listing.refresh_from_db()
    assert listing.status == end


def test_republishing_keeps_the_first_published_at(client, agent):
    listing = ListingFactory(agent=agent, status=Status.WITHDRAWN)
    first_published = listing.published_at

    _action(client, "mark_active", listing)

    listing.refresh_from_db()
    assert listing.published_at == first_published


def test_an_invalid_transition_is_refused_with_a_message(client, agent):
    sold = ListingFactory(agent=agent, status=Status.SOLD, title="Gone")
    draft = ListingFactory(agent=agent, draft=True)

    response = _action(client, "mark_active", sold, draft)

    sold.refresh_from_db()
    draft.refresh_from_db()
    assert sold.status == Status.SOLD
    assert draft.status == Status.ACTIVE
    messages = _messages(response)
    assert "1 listings changed." in messages
    assert any(m.startswith("Gone:") and "Sold" in m and "Active" in m for m in messages)


# --- change form validation -----------------------------------------------------------------


def test_change_form_refuses_sold_to_active(client, agent):
    listing = ListingFactory(agent=agent, status=Status.SOLD)

    response = client.post(_change_url(listing), _form_data(listing, status=Status.ACTIVE))

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    listing.refresh_from_db()
    assert listing.status == Status.SOLD


def test_change_form_can_publish_a_draft(client, agent):
    listing = ListingFactory(agent=agent, draft=True)

    response = client.post(_change_url(listing), _form_data(listing, status=Status.ACTIVE))

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Status.ACTIVE
    assert listing.published_at is not None


def test_change_form_refuses_a_floor_above_the_buildings_floors(client, agent):
    listing = ListingFactory(agent=agent, floor=5, total_floors=6)

    response = client.post(_change_url(listing), _form_data(listing, floor=7))

    assert response.status_code == 200
    assert "floor" in response.context["adminform"].form.errors
    listing.refresh_from_db()
    assert listing.floor == 5


def test_change_form_refuses_a_district_from_another_city(client, agent):
    listing = ListingFactory(agent=agent)
    elsewhere = DistrictFactory()

    response = client.post(_change_url(listing), _form_data(listing, district=elsewhere.pk))

    assert response.status_code == 200
    assert "district" in response.context["adminform"].form.errors


# --- deleting -------------------------------------------------------------------------------


def test_agent_can_delete_their_own_draft(client, agent):
    draft = ListingFactory(agent=agent, draft=True)

    client.post(reverse("admin:listings_listing_delete", args=[draft.pk]), {"post": "yes"})

    assert not Listing.objects.filter(pk=draft.pk).exists()


def test_deleting_a_published_listing_in_the_admin_withdraws_it(client, agent):
    published = ListingFactory(agent=agent, status=Status.ACTIVE)

    client.post(reverse("admin:listings_listing_delete", args=[published.pk]), {"post": "yes"})

    assert Listing.objects.get(pk=published.pk).status == Status.WITHDRAWN


def test_delete_selected_action_withdraws_published_listings(client, agent):
    published = ListingFactory(agent=agent, status=Status.ACTIVE)

    client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"},
    )

    assert Listing.objects.get(pk=published.pk).status == Status.WITHDRAWN


def test_a_former_agent_adding_a_listing_gets_no_server_error(client):
    former_agent = AgentFactory()
    User.objects.filter(pk=former_agent.pk).update(role=User.Role.BUYER)
    client.force_login(former_agent)
    client.raise_request_exception = False
    district = DistrictFactory()
    template = ListingFactory.build(district=district, city=district.city, agent=former_agent)

    response = client.post(ADD, _form_data(template, status=Status.DRAFT, title="Not allowed"))

    assert response.status_code in (200, 403)
    assert not Listing.objects.filter(title="Not allowed").exists()


# --- user admin ----------------------------------------------------------------------------


def test_make_agents_action_turns_a_buyer_into_an_agent(client, superuser):
    buyer = BuyerFactory()

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "make_agents", "_selected_action": [buyer.pk], "index": 0},
    )

    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.role == User.Role.AGENT
    assert buyer.is_staff
    assert buyer.groups.filter(name="Agents").exists()
    assert AgentProfile.objects.filter(user=buyer).exists()
    assert "1 user is now an agent." in _messages(response)


def test_a_new_agent_can_use_the_listing_admin(client, superuser):
    buyer = BuyerFactory()
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "make_agents", "_selected_action": [buyer.pk], "index": 0},
    )
    client.force_login(User.objects.get(pk=buyer.pk))

    response = client.get(CHANGELIST)

    assert response.status_code == 200
