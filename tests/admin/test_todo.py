"""The admin index tells an agent what needs doing today, each item linking where to act."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from listings import hooks
from listings.models import ListingPhoto
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


@pytest.fixture
def agent(client):
    agent = AgentFactory()
    client.force_login(agent)
    return agent


def groups(response) -> dict[str, list[hooks.TodoItem]]:
    return {group.title: group.items for group in hooks.todo_for(response.wsgi_request.user)}


def expiring(agent, title="Expiring flat", days_left=3):
    confirmed = timezone.now() - timedelta(days=30 - days_left)
    return ListingFactory(agent=agent, title=title, confirmed_at=confirmed)


def failed_photo(listing):
    return ListingPhoto.objects.create(
        listing=listing,
        original="originals/failed.jpg",
        content_hash=f"{listing.pk:064d}",
        status=ListingPhoto.Status.FAILED,
        failure_reason="Not a picture",
    )


def waiting(listing, *, hours=3, buyer=None):
    conversation = ConversationFactory(listing=listing, **({"buyer": buyer} if buyer else {}))
    MessageFactory(conversation=conversation, sent_at=timezone.now() - timedelta(hours=hours))
    return conversation


def test_the_index_lists_what_needs_the_agent_with_links_to_act(client, agent):
    listing = expiring(agent)
    photo = failed_photo(listing)
    conversation = waiting(listing, buyer=BuyerFactory(first_name="静", last_name="陈"))
    ListingFactory(agent=agent, title="Fresh flat", confirmed_at=timezone.now())

    response = client.get(INDEX)

    html = response.content.decode()
    assert "To do today" in html
    assert "Reconfirm “Expiring flat”" in html
    assert reverse("admin:listings_listing_change", args=[listing.pk]) in html
    assert "in 3\xa0days" in html or "in 2\xa0days, 23\xa0hours" in html
    assert "陈静 is waiting for your answer about “Expiring flat”" in html
    assert reverse("messaging:conversation", args=[conversation.pk]) in html
    assert "3\xa0hours ago" in html
    assert "A photo of “Expiring flat” failed: Not a picture" in html
    assert reverse("admin:listings_listingphoto_change", args=[photo.pk]) in html
    assert "Fresh flat" not in html


def test_an_answered_conversation_and_a_far_expiry_are_not_to_do(client, agent):
    listing = expiring(agent, days_left=20)
    conversation = waiting(listing)
    MessageFactory(conversation=conversation, sender=agent)

    response = client.get(INDEX)

    assert groups(response) == {}
    assert "Nothing waits for you today." in response.content.decode()


def test_another_agents_work_is_not_on_the_list(client, agent):
    theirs = expiring(AgentFactory(), title="Their flat")
    failed_photo(theirs)
    waiting(theirs)

    response = client.get(INDEX)

    assert "Their flat" not in response.content.decode()
    assert groups(response) == {}


def test_the_list_says_how_many_more_there_are(client, agent):
    for number in range(10):
        expiring(agent, title=f"Flat {number}")

    response = client.get(INDEX)

    (group,) = hooks.todo_for(response.wsgi_request.user)
    assert (len(group.items), group.more) == (8, 2)
    assert "and 2 more" in response.content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_the_index_runs_the_same_queries_however_much_there_is_to_do(
    client, agent, count, django_assert_num_queries
):
    for number in range(count):
        listing = expiring(agent, title=f"Flat {number}")
        failed_photo(listing)
        waiting(listing)
    client.get(INDEX)

    # session, user, two permission lists, whether the agent verifies listings, the admin log,
    # the (empty) viewings to confirm; three groups of (items, count more) at most, whatever the
    # number of items
    with django_assert_num_queries(7 + (6 if count > 8 else 3)):
        client.get(INDEX)


def test_an_app_adds_its_own_group_through_the_registry(client, agent, monkeypatch):
    """The extension point a later app (viewings to confirm) uses from its AppConfig.ready."""
    monkeypatch.setattr(hooks, "_todo_providers", list(hooks._todo_providers))

    def viewings_to_confirm(user):
        item = hooks.TodoItem(text=f"Confirm a viewing, {user.username}", link="/viewings/1/")
        return hooks.TodoGroup(title="Viewings to confirm", items=[item])

    hooks.register_todo_provider(viewings_to_confirm)
    hooks.register_todo_provider(viewings_to_confirm)  # registering twice adds it once

    html = client.get(INDEX).content.decode()

    assert html.count("Viewings to confirm") == 1
    assert f'<a href="/viewings/1/">Confirm a viewing, {agent.username}</a>' in html


def test_a_buyer_has_no_admin_index(client):
    client.force_login(BuyerFactory())

    response = client.get(INDEX)

    assert response.status_code == 302
