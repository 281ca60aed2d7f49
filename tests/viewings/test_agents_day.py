"""Viewings on the agent's day: requests to confirm on the admin index, and each listing's
viewings among the figures of the workbench and the dashboard."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from listings import hooks
from listings.models import Listing
from tests.accounts.factories import AgentFactory
from tests.listings.factories import ListingFactory
from tests.viewings.factories import ViewingFactory
from viewings.models import Viewing

pytestmark = pytest.mark.django_db

TITLE = "Video viewings to confirm"


def todo(user) -> dict[str, list[hooks.TodoItem]]:
    return {group.title: group.items for group in hooks.todo_for(user)}


def test_a_request_waiting_for_the_agent_is_on_their_list_with_a_link_to_answer_it():
    viewing = ViewingFactory(listing=ListingFactory(title="Sunny flat"))

    [item] = todo(viewing.agent)[TITLE]

    assert "Sunny flat" in item.text
    assert item.link == f"{reverse('viewings:list')}#viewing-{viewing.pk}"
    assert item.when == viewing.starts_at


def test_answered_past_and_other_agents_requests_are_not_on_the_list():
    agent = AgentFactory()
    listing = ListingFactory(agent=agent)
    ViewingFactory(listing=listing, status=Viewing.Status.CONFIRMED)
    ViewingFactory(listing=listing, starts_at=timezone.now() - timedelta(hours=2))
    ViewingFactory()  # another agent's flat

    assert TITLE not in todo(agent)


def test_the_admin_index_shows_the_request(client):
    viewing = ViewingFactory(listing=ListingFactory(title="Sunny flat"))
    client.force_login(viewing.agent)

    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert TITLE in page
    assert f"#viewing-{viewing.pk}" in page


def test_each_listing_counts_its_agreed_and_held_viewings():
    listing = ListingFactory()
    for status in (Viewing.Status.CONFIRMED, Viewing.Status.DONE, Viewing.Status.CANCELLED):
        ViewingFactory(listing=listing, status=status)

    counted = hooks.with_listing_counts(Listing.objects.filter(pk=listing.pk)).get()

    assert counted.viewing_count == 2
