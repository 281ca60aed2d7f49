"""`manage.py load_demo`: believable demo data, loaded once however often it runs."""

import statistics
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import AgentProfile, User
from listings import hooks
from listings.models import City, District, Listing
from viewings.models import Viewing, WeeklyHours

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "walkup-demo-2026"
DEMO_LOGINS = ["admin", "agent1", "agent2", "agent3", "agent4", "agent5"]
DEMO_LOGINS += ["buyer1", "buyer2", "buyer3"]
HEGANG_MEAN_PRICE_PER_M2 = 2152


def load_demo() -> str:
    output = StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def counts() -> dict[str, int]:
    return {
        "cities": City.objects.count(),
        "districts": District.objects.count(),
        "users": User.objects.count(),
        "agent profiles": AgentProfile.objects.count(),
        "listings": Listing.objects.count(),
        "active listings": Listing.objects.active().count(),
        "viewing hours": WeeklyHours.objects.count(),
        "viewings": Viewing.objects.count(),
    }


@pytest.fixture
def demo() -> str:
    return load_demo()


def test_running_it_again_adds_nothing(demo):
    first = counts()

    output = load_demo()

    assert counts() == first
    assert "(0 created now)" in output
    assert f"password: {DEMO_PASSWORD}" in output


def test_it_makes_three_cities_and_hundreds_of_active_listings(demo):
    active = Listing.objects.active().count()

    assert set(City.objects.values_list("slug", flat=True)) == {"hegang", "qitaihe", "yichun"}
    assert active >= 300
    assert f"3 cities, {active} active listings" in demo
    assert set(Listing.objects.values_list("city__slug", flat=True)) == {
        "hegang",
        "qitaihe",
        "yichun",
    }


def test_hegang_prices_are_near_the_reported_average(demo):
    prices = Listing.objects.active().filter(city__slug="hegang").values_list("price_per_m2")

    mean = statistics.mean(price for (price,) in prices)

    assert HEGANG_MEAN_PRICE_PER_M2 * 0.85 <= mean <= HEGANG_MEAN_PRICE_PER_M2 * 1.15


def test_most_listings_are_walk_ups_of_five_to_seven_storeys(demo):
    total = Listing.objects.count()

    assert Listing.objects.filter(has_elevator=False).count() > total / 2
    assert Listing.objects.filter(total_floors__range=(5, 7)).count() > total / 2


def test_every_listing_passes_validation(demo):
    for listing in Listing.objects.select_related("district"):
        listing.full_clean()


def test_demo_logins_work_with_the_published_password(demo):
    # The log-in lock-out (django-axes) needs the request a log-in comes with.
    request = RequestFactory().post("/accounts/login/")
    signed_in = {
        username: authenticate(request, username=username, password=DEMO_PASSWORD)
        for username in DEMO_LOGINS
    }

    assert {username: user is not None for username, user in signed_in.items()} == dict.fromkeys(
        DEMO_LOGINS, True
    )
    assert authenticate(request, username="agent1", password="wrong") is None


def test_demo_users_have_their_roles(demo):
    agents = User.objects.filter(username__in=DEMO_LOGINS[1:6])
    buyers = User.objects.filter(username__in=DEMO_LOGINS[6:])

    assert all(agent.is_agent and agent.agent_profile.agency_name for agent in agents)
    assert not any(buyer.is_agent or buyer.is_staff for buyer in buyers)
    assert User.objects.get(username="admin").is_superuser
    assert Listing.objects.filter(agent__in=agents).count() == Listing.objects.count()


def test_demo_buyers_have_saved_flats_and_some_prices_were_cut(demo):
    from favorites.models import Favorite
    from listings.models import ListingPriceChange
    from notifications.models import Kind, Notification

    buyers = User.objects.filter(username__in=["buyer1", "buyer2", "buyer3"])
    changes = ListingPriceChange.objects.all()

    assert all(Favorite.objects.filter(user=buyer).count() >= 5 for buyer in buyers)
    assert Favorite.objects.filter(listing__status=Listing.Status.SOLD).exists()
    assert changes.count() >= 10
    assert all(change.new_price < change.old_price for change in changes)
    assert Listing.objects.for_cards().filter(price_cut_recently=True).exists()
    assert (
        Listing.objects.for_cards()
        .filter(price_changes__isnull=False, price_cut_recently=False)
        .exists()
    )
    assert all(
        Notification.objects.filter(recipient=buyer, kind=Kind.PRICE_CUT).exists()
        for buyer in buyers
    )


def test_running_it_again_saves_and_cuts_nothing_more(demo):
    from favorites.models import Favorite
    from listings.models import ListingPriceChange
    from notifications.models import Notification

    before = (Favorite.objects.count(), ListingPriceChange.objects.count())
    notifications = Notification.objects.count()

    load_demo()

    assert (Favorite.objects.count(), ListingPriceChange.objects.count()) == before
    assert Notification.objects.count() == notifications


def test_demo_flats_off_the_market_stopped_counting_days(demo):
    off_market = Listing.objects.filter(status__in=[Listing.Status.SOLD, Listing.Status.WITHDRAWN])

    assert off_market.exists()
    assert not off_market.filter(left_market_at=None).exists()
    assert all(listing.published_at < listing.left_market_at for listing in off_market)


def test_demo_listings_and_agents_have_what_the_total_cost_reads(demo):
    from listings import costs

    demo_listings = Listing.objects.filter(agent__username__startswith="agent")

    assert not demo_listings.filter(property_fee_per_m2_month__isnull=True).exists()
    assert demo_listings.filter(seller_taxes_paid_by="buyer").exists()
    assert demo_listings.filter(seller_taxes_paid_by="each").exists()
    assert demo_listings.filter(seller_owned_since__isnull=True).exists()  # some unknown
    assert not AgentProfile.objects.filter(fee_percent__isnull=True).exists()
    assert User.objects.get(username="buyer1").monthly_savings == 3000
    # The generated figures make believable totals: a typical flat for well under ¥150,000.
    totals = sorted(row.total_cost for row in Listing.objects.active().with_total_cost())
    assert 40_000 < statistics.median(totals) < 150_000
    assert costs.POLICIES  # the rules the totals were worked out with


def test_running_it_again_changes_no_cost_facts(demo):
    fields = ["pk", "property_fee_per_m2_month", "seller_taxes_paid_by", "seller_owned_since"]
    first = list(Listing.objects.order_by("pk").values_list(*fields))

    load_demo()

    assert list(Listing.objects.order_by("pk").values_list(*fields)) == first


def test_demo_buyers_have_upcoming_waiting_and_done_viewings(demo):
    buyer = User.objects.get(username="buyer1")
    statuses = set(Viewing.objects.filter(buyer=buyer).values_list("status", flat=True))
    assert statuses == {"confirmed", "requested", "done"}
    assert WeeklyHours.objects.filter(agent__username="agent1").count() == 6


def test_flats_on_the_market_have_a_views_history_loaded_once(demo):
    from insights.models import ListingDailyViews

    rows = ListingDailyViews.objects.count()
    with_views = ListingDailyViews.objects.values("listing").distinct().count()

    load_demo()

    assert rows >= Listing.objects.active().count()
    assert with_views == Listing.objects.filter(status__in=["active", "reserved"]).count()
    assert ListingDailyViews.objects.count() == rows


def test_agent1_has_a_workbench_to_do_list(demo):
    """The admin index shows an agent something to do: a flat expiring and buyers waiting."""
    agent = User.objects.get(username="agent1")

    titles = {group.title: len(group.items) for group in hooks.todo_for(agent)}

    assert titles["Listings expiring this week"] >= 1
    assert titles["Buyers waiting for a reply"] == 2


def test_demo_has_a_verified_listing_and_one_flat_from_two_agents(demo):
    from listings.demo import DUPLICATE_TITLE
    from listings.models import ListingPhotoLookalike

    [verified] = Listing.objects.filter(verified_at__isnull=False)
    assert verified.verified_by.username == "verifier"
    assert verified.proofs.filter(status="ready").count() == 2
    pair = list(Listing.objects.filter(title=DUPLICATE_TITLE))
    assert len({listing.agent_id for listing in pair}) == 2
    assert len({listing.same_flat_key for listing in pair} - {None}) == 1
    assert ListingPhotoLookalike.objects.filter(photo__listing__in=pair).exists()

    load_demo()

    assert Listing.objects.filter(verified_at__isnull=False).count() == 1
    assert Listing.objects.filter(title=DUPLICATE_TITLE).count() == 2
