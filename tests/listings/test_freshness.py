"""Fresh listings: an active listing not reconfirmed for 30 days expires; its agent is reminded
5 days before; reconfirming is one click in the admin and one API call."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from listings import services, tasks
from listings.models import Listing
from notifications.models import Kind, Notification
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db
Status = Listing.Status


@pytest.fixture
def agent():
    return AgentFactory(username="zhang", email="zhang@example.com")


@pytest.fixture
def listing(agent, clock):
    """Published (and so confirmed) through the service, at the frozen clock's start."""
    district = DistrictFactory()
    data = {
        "city": district.city,
        "district": district,
        "title": "Xiangyang 2-room, floor 5 of 6",
        "price": 46_000,
        "area_m2": 52,
        "rooms": 2,
        "floor": 5,
        "total_floors": 6,
        "status": Status.ACTIVE,
    }
    return services.listing_create(by=agent, data=data)


def reminders(agent) -> list[Notification]:
    return list(Notification.objects.filter(recipient=agent, kind=Kind.LISTING_EXPIRING))


def test_publishing_confirms_the_listing_and_sets_its_expiry(listing, clock, settings):
    assert listing.confirmed_at == clock.now
    assert listing.expires_at == clock.now + timedelta(days=settings.LISTING_EXPIRY_DAYS)


def test_a_listing_expires_on_the_30th_day_and_not_a_second_before(listing, clock):
    clock.advance(days=30, seconds=-1)
    assert services.listings_expire_stale() == 0
    listing.refresh_from_db()
    assert listing.status == Status.ACTIVE

    clock.advance(seconds=1)
    assert services.listings_expire_stale() == 1
    listing.refresh_from_db()
    assert listing.status == Status.EXPIRED


def test_expiring_twice_changes_nothing_more(listing, clock):
    clock.advance(days=31)
    assert tasks.expire_stale_listings.delay().get() == 1

    assert tasks.expire_stale_listings.delay().get() == 0
    listing.refresh_from_db()
    assert listing.status == Status.EXPIRED


def test_the_expiry_period_is_configurable(listing, clock, settings):
    settings.LISTING_EXPIRY_DAYS = 10
    settings.LISTING_EXPIRY_REMINDER_DAYS = 2
    clock.advance(days=10)

    assert services.listings_expire_stale() == 1


def test_only_active_listings_expire(agent, clock):
    old = clock.now - timedelta(days=90)
    for status in (Status.RESERVED, Status.SOLD, Status.WITHDRAWN):
        ListingFactory(agent=agent, status=status, published_at=old, confirmed_at=old)
    ListingFactory(agent=agent, draft=True)

    assert services.listings_expire_stale() == 0


def test_an_expired_listing_leaves_search_and_its_page_says_so(client, listing, clock):
    clock.advance(days=30)
    services.listings_expire_stale()

    search = client.get(reverse("listings:search"))
    page = client.get(listing.get_absolute_url())

    assert listing.title not in search.content.decode()
    assert page.status_code == 200
    assert "This flat is no longer on the market: Expired." in page.content.decode()


def test_the_agent_is_reminded_five_days_before_and_only_once(
    listing, agent, clock, django_capture_on_commit_callbacks
):
    clock.advance(days=25, seconds=-1)
    assert services.listings_remind_expiring() == 0

    clock.advance(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_expiring_listings.delay().get() == 1
    clock.advance(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_expiring_listings.delay().get() == 0

    [reminder] = reminders(agent)
    assert "2026年4月1日" in reminder.text  # in the agent’s language: Chinese by default
    assert reminder.link == reverse("admin:listings_listing_change", args=[listing.pk])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhang@example.com"]


def test_a_listing_past_its_expiry_is_expired_not_reminded(listing, agent, clock):
    clock.advance(days=31)

    assert services.listings_remind_expiring() == 0
    assert services.listings_expire_stale() == 1


def test_reconfirming_starts_a_new_period_with_a_new_reminder(listing, agent, clock):
    clock.advance(days=26)
    services.listings_remind_expiring()

    services.listing_reconfirm(listing=listing, by=agent)
    clock.advance(days=24)
    assert services.listings_remind_expiring() == 0
    clock.advance(days=1)
    assert services.listings_remind_expiring() == 1

    assert len(reminders(agent)) == 2
    clock.advance(days=4)
    assert services.listings_expire_stale() == 0


def test_reconfirming_brings_an_expired_listing_back_to_search(client, listing, agent, clock):
    clock.advance(days=40)
    services.listings_expire_stale()

    listing = services.listing_reconfirm(listing=listing, by=agent)

    assert listing.status == Status.ACTIVE
    assert listing.confirmed_at == clock.now
    assert listing.title in client.get(reverse("listings:search")).content.decode()


def test_another_agent_cannot_reconfirm(listing):
    with pytest.raises(PermissionDenied):
        services.listing_reconfirm(listing=listing, by=AgentFactory())


@pytest.mark.parametrize("status", [Status.SOLD, Status.WITHDRAWN, Status.RESERVED])
def test_a_listing_off_the_market_for_another_reason_cannot_be_reconfirmed(listing, agent, status):
    services.listing_set_status(listing=listing, by=listing.agent, status=status)

    with pytest.raises(ValidationError) as error:
        services.listing_reconfirm(listing=listing, by=agent)
    assert "status" in error.value.message_dict


def test_an_agent_cannot_set_a_listing_expired(listing):
    with pytest.raises(ValidationError) as error:
        services.listing_set_status(listing=listing, by=listing.agent, status=Status.EXPIRED)
    assert "status" in error.value.message_dict


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.SOLD, Status.WITHDRAWN])
def test_an_expired_listing_can_go_back_on_the_market_be_sold_or_withdrawn(listing, clock, status):
    clock.advance(days=30)
    services.listings_expire_stale()
    listing.refresh_from_db()

    services.listing_set_status(listing=listing, by=listing.agent, status=status)

    listing.refresh_from_db()
    assert listing.status == status
    if status == Status.ACTIVE:
        assert listing.confirmed_at == clock.now


# --- API --------------------------------------------------------------------------------


def reconfirm_url(listing) -> str:
    return f"/api/v1/listings/{listing.pk}/reconfirm/"


def test_the_agent_reconfirms_through_the_api(api_client, listing, agent, clock):
    clock.advance(days=29)
    api_client.force_authenticate(agent)

    response = api_client.post(reconfirm_url(listing))

    assert response.status_code == 200
    assert response.data["status"] == "active"
    assert response.data["expires_at"].startswith("2026-04-30")


@pytest.mark.parametrize(
    ("who", "expected_status"), [("buyer", 403), ("other agent", 404), ("anonymous", 401)]
)
def test_nobody_else_can_reconfirm_through_the_api(
    api_client, listing, clock, who, expected_status
):
    confirmed_at = listing.confirmed_at
    clock.advance(days=1)
    if who == "buyer":
        api_client.force_authenticate(BuyerFactory())
    elif who == "other agent":
        api_client.force_authenticate(AgentFactory())

    response = api_client.post(reconfirm_url(listing))

    assert response.status_code == expected_status
    listing.refresh_from_db()
    assert listing.confirmed_at == confirmed_at


def test_the_expiry_date_is_shown_only_to_the_agent(api_client, listing, agent):
    assert api_client.get(f"/api/v1/listings/{listing.pk}/").data["expires_at"] is None
    api_client.force_authenticate(agent)
    assert api_client.get(f"/api/v1/listings/{listing.pk}/").data["expires_at"] is not None


# --- admin and pages -------------------------------------------------------------------


def test_the_admin_action_reconfirms_the_agents_listings(client, listing, agent, clock):
    clock.advance(days=31)
    services.listings_expire_stale()
    client.force_login(agent)

    response = client.post(
        reverse("admin:listings_listing_changelist"),
        {"action": "reconfirm", "_selected_action": [listing.pk]},
        follow=True,
    )

    listing.refresh_from_db()
    assert listing.status == Status.ACTIVE
    assert "1 listings reconfirmed for another 30 days." in response.content.decode()


def test_the_admin_list_shows_when_each_listing_expires(client, listing, agent):
    client.force_login(agent)

    response = client.get(reverse("admin:listings_listing_changelist"))

    assert "Expires" in response.content.decode()
    assert 'title="April 1, 2026"' in response.content.decode()  # "expires in N days" says when


def test_the_listing_page_tells_its_agent_and_only_them_when_it_expires(client, listing, agent):
    assert "Expires on" not in client.get(listing.get_absolute_url()).content.decode()

    client.force_login(agent)
    page = client.get(listing.get_absolute_url()).content.decode()

    assert "Expires on 2026-04-01" in page
