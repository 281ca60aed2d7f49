"""listings.hooks: how the apps above listings plug in without listings naming them."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Value

from favorites.selectors import with_favorite_flag
from favorites.services import favorites_notify_price_cut
from listings import hooks, workbench
from listings.models import Listing, ListingPriceChange
from messaging.todo import awaiting_reply_todo
from tests.listings.factories import ListingFactory
from viewings.todo import viewings_to_confirm_todo

pytestmark = pytest.mark.django_db


def test_the_apps_above_register_at_start_up():
    assert [flag.name for flag in hooks.viewer_flags()] == ["is_favorite"]
    assert [name for name, _field in hooks.detail_fields()] == [
        "agent_median_response_seconds",
        "agent_rating",
    ]
    assert hooks._price_cut_receivers == [favorites_notify_price_cut]


def test_the_workbench_counts_and_to_do_providers_are_registered_at_start_up():
    counts = {count.name: count.urgent for count in hooks.listing_counts()}
    assert counts == {
        "unread_conversations": True,
        "saves": False,
        "views_7_days": False,
        "views_30_days": False,
        "conversation_count": False,
        "viewing_count": False,
    }
    assert set(hooks._todo_providers) == {
        workbench.expiring_listings_todo,
        workbench.failed_photos_todo,
        awaiting_reply_todo,
        viewings_to_confirm_todo,
    }


def test_a_second_count_under_a_registered_name_is_refused():
    with pytest.raises(ImproperlyConfigured):
        hooks.register_listing_count("saves", lambda listings: listings, label="Saves")


def test_registering_the_same_flag_again_is_harmless_and_another_under_its_name_is_refused():
    help_text = hooks.viewer_flags()[0].help_text
    hooks.register_viewer_flag("is_favorite", with_favorite_flag, help_text=help_text)

    with pytest.raises(ImproperlyConfigured):
        hooks.register_viewer_flag(
            "is_favorite",
            lambda listings, user: listings.annotate(is_favorite=Value(True)),
            help_text=help_text,
        )
    assert hooks.viewer_flags()[0].annotate is with_favorite_flag


def cut_through_the_api(api_client, listing, price):
    """An agent changes the price the way the app does (the service asks for no more)."""
    api_client.force_authenticate(listing.agent)
    return api_client.patch(f"/api/v1/listings/{listing.pk}/", {"price": price}, format="json")


def test_a_receivers_error_is_the_callers_and_the_cut_is_not_recorded(api_client, monkeypatch):
    listing = ListingFactory(price=46_000)

    def refuse(*, listing, change):
        raise RuntimeError("receiver failed")

    monkeypatch.setattr(hooks, "_price_cut_receivers", [refuse])

    with pytest.raises(RuntimeError, match="receiver failed"):
        cut_through_the_api(api_client, listing, 41_000)

    assert not ListingPriceChange.objects.exists()
    assert Listing.objects.get(pk=listing.pk).price == 46_000


def test_receivers_hear_of_cuts_in_order_with_the_recorded_change(api_client, monkeypatch):
    listing = ListingFactory(price=46_000)
    heard = []
    monkeypatch.setattr(
        hooks,
        "_price_cut_receivers",
        [
            lambda *, listing, change: heard.append(("first", change.old_price, change.new_price)),
            lambda *, listing, change: heard.append(("second", change.pk, listing.pk)),
        ],
    )

    assert cut_through_the_api(api_client, listing, 41_000).status_code == 200
    assert cut_through_the_api(api_client, listing, 45_000).status_code == 200  # a raise: unheard

    change = ListingPriceChange.objects.get(new_price=41_000)
    assert heard == [("first", 46_000, 41_000), ("second", change.pk, listing.pk)]
