"""Saving flats, and telling those who saved one about a price cut."""

import math

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from favorites import services
from favorites.models import Favorite
from listings import services as listings
from listings.models import Listing
from notifications.models import Kind, Notification
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.favorites.factories import FavoriteFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


# --- saving and unsaving -----------------------------------------------------------------------


def test_a_buyer_saves_a_flat_once_however_often_they_press_save():
    buyer, listing = BuyerFactory(), ListingFactory()

    first, created = services.favorite_add(user=buyer, listing=listing)
    again, created_again = services.favorite_add(user=buyer, listing=listing)

    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Favorite.objects.filter(user=buyer).count() == 1


def test_a_reserved_flat_can_be_saved():
    _favorite, created = services.favorite_add(
        user=BuyerFactory(), listing=ListingFactory(status=Listing.Status.RESERVED)
    )

    assert created


@pytest.mark.parametrize("status", [Listing.Status.SOLD, Listing.Status.WITHDRAWN])
def test_a_flat_off_the_market_cannot_be_newly_saved(status):
    with pytest.raises(ValidationError) as refused:
        services.favorite_add(user=BuyerFactory(), listing=ListingFactory(status=status))

    assert refused.value.message_dict == {"listing": ["This flat is no longer on the market."]}


def test_saving_again_a_flat_that_was_sold_since_returns_the_saved_one():
    favorite = FavoriteFactory()
    Listing.objects.filter(pk=favorite.listing_id).update(status=Listing.Status.SOLD)
    favorite.listing.refresh_from_db()

    again, created = services.favorite_add(user=favorite.user, listing=favorite.listing)

    assert (again.pk, created) == (favorite.pk, False)


def test_agents_do_not_save_flats():
    with pytest.raises(ValidationError) as refused:
        services.favorite_add(user=AgentFactory(), listing=ListingFactory())

    assert refused.value.messages == ["Only buyers can save flats."]
    assert not Favorite.objects.exists()


def test_a_superuser_without_the_agent_role_may_save_flats():
    _favorite, created = services.favorite_add(user=SuperuserFactory(), listing=ListingFactory())

    assert created


def test_unsaving_removes_only_that_users_favourite():
    mine, theirs = FavoriteFactory(), FavoriteFactory()
    FavoriteFactory(user=theirs.user, listing=mine.listing)

    removed = services.favorite_remove(user=mine.user, listing_id=mine.listing_id)
    removed_again = services.favorite_remove(user=mine.user, listing_id=mine.listing_id)

    assert (removed, removed_again) == (True, False)
    assert set(Favorite.objects.values_list("user_id", "listing_id")) == {
        (theirs.user_id, theirs.listing_id),
        (theirs.user_id, mine.listing_id),
    }


# --- price cuts ----------------------------------------------------------------------------------


@pytest.fixture
def saved_flat():
    listing = ListingFactory(price=46_000, title="Sunny walk-up")
    FavoriteFactory(listing=listing, user=BuyerFactory(language="en", email="a@example.com"))
    FavoriteFactory(listing=listing, user=BuyerFactory(language="zh-hans", email="b@example.com"))
    return listing


def test_a_cut_notifies_every_buyer_who_saved_the_flat_in_their_language(
    saved_flat, django_capture_on_commit_callbacks
):
    BuyerFactory()  # saved nothing
    FavoriteFactory()  # saved another flat

    with django_capture_on_commit_callbacks(execute=True):
        listings.listing_update(listing=saved_flat, by=saved_flat.agent, data={"price": 41_000})

    notes = Notification.objects.order_by("recipient__language")
    assert [(n.recipient.language, n.kind, n.text) for n in notes] == [
        ("en", Kind.PRICE_CUT, "Price cut on Sunny walk-up: now ¥41,000, was ¥46,000."),
        ("zh-hans", Kind.PRICE_CUT, "降价：Sunny walk-up 现价 ¥41,000，原价 ¥46,000。"),
    ]
    assert {n.group_key for n in notes} == {f"price-cut:{saved_flat.pk}"}
    assert {n.link for n in notes} == {f"/listings/{saved_flat.pk}/"}
    assert {n.subject for n in notes} == {saved_flat}
    # Emails follow after commit, as for every notification.
    assert sorted(message.to[0] for message in mail.outbox) == ["a@example.com", "b@example.com"]


def test_a_raise_notifies_nobody(saved_flat):
    listings.listing_update(listing=saved_flat, by=saved_flat.agent, data={"price": 49_000})

    assert not Notification.objects.exists()


def test_a_cut_on_a_flat_off_the_market_notifies_nobody(saved_flat):
    listings.listing_set_status(
        listing=saved_flat, by=saved_flat.agent, status=Listing.Status.WITHDRAWN
    )

    listings.listing_update(listing=saved_flat, by=saved_flat.agent, data={"price": 30_000})

    assert not Notification.objects.exists()


def test_no_notification_stays_if_the_change_is_rolled_back(saved_flat):
    def cut_then_fail():
        with transaction.atomic():
            listings.listing_update(listing=saved_flat, by=saved_flat.agent, data={"price": 41_000})
            raise RuntimeError

    with pytest.raises(RuntimeError):
        cut_then_fail()

    assert not Notification.objects.exists()
    assert Listing.objects.get(pk=saved_flat.pk).price == 46_000


def _price_cut_queries(savers: int) -> tuple[list[str], list[str]]:
    """The SQL of one price cut on a flat that `savers` buyers saved: (lookups, inserts)."""
    listing = ListingFactory(price=46_000)
    buyers = BuyerFactory.create_batch(savers)
    Favorite.objects.bulk_create(Favorite(user=buyer, listing=listing) for buyer in buyers)
    listing = Listing.objects.get(pk=listing.pk)
    with CaptureQueriesContext(connection) as queries:
        listings.listing_update(listing=listing, by=listing.agent, data={"price": 40_000})
    assert Notification.objects.filter(subject_id=listing.pk).count() == savers
    sql = [query["sql"] for query in queries.captured_queries]
    inserts = [q for q in sql if q.startswith('INSERT INTO "notifications_notification"')]
    return [q for q in sql if q not in inserts], inserts


def test_a_cut_on_a_flat_500_buyers_saved_costs_no_more_lookups_than_one_3_saved():
    few_lookups, few_inserts = _price_cut_queries(3)
    many_lookups, many_inserts = _price_cut_queries(500)

    assert len(many_lookups) == len(few_lookups)
    assert sum('"favorites_favorite"' in q for q in many_lookups) == 1
    # One insert for all of them, split only where the database limits an insert's parameters
    # (SQLite: 999; PostgreSQL takes all 500 at once).
    fields = [field for field in Notification._meta.concrete_fields if not field.primary_key]
    rows_per_insert = connection.ops.bulk_batch_size(fields, [None] * 500)
    assert len(few_inserts) == 1
    assert len(many_inserts) == math.ceil(500 / rows_per_insert)
    if connection.vendor == "postgresql":
        assert len(many_inserts) == 1
