"""The web side of messaging: asking from a listing, the inbox, a conversation page."""

import pytest
from django.urls import reverse

from listings.models import Listing
from messaging.models import Conversation, Message
from messaging.services import conversation_start, message_send
from tests.accounts.factories import PASSWORD, AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return ListingFactory()


@pytest.fixture
def buyer():
    return BuyerFactory()


def _conversation(listing, buyer, body="还在卖吗？"):
    conversation, _created = conversation_start(buyer=buyer, listing=listing, body=body)
    return conversation


def test_a_visitor_logs_in_and_finds_the_typed_message_waiting(client, listing, buyer):
    response = client.post(reverse("messaging:ask", args=[listing.pk]), {"body": "南面有阳台吗？"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.post(reverse("login"), {"username": buyer.username, "password": PASSWORD})
    page = client.get(listing.get_absolute_url()).content.decode()
    assert "南面有阳台吗？" in page
    assert not Conversation.objects.exists()


def test_a_buyer_asks_and_lands_in_the_conversation(client, listing, buyer):
    client.force_login(buyer)

    response = client.post(reverse("messaging:ask", args=[listing.pk]), {"body": "Hello"})

    conversation = Conversation.objects.get()
    assert response["Location"] == reverse("messaging:conversation", args=[conversation.pk])
    assert conversation.messages.get().body == "Hello"


def test_an_empty_message_comes_back_with_the_error(client, listing, buyer):
    client.force_login(buyer)

    response = client.post(reverse("messaging:ask", args=[listing.pk]), {"body": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Conversation.objects.exists()


def test_a_refused_message_keeps_what_was_typed(client, listing, buyer, settings):
    settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR = 0
    client.force_login(buyer)

    response = client.post(reverse("messaging:ask", args=[listing.pk]), {"body": "Still for sale?"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "in the last hour" in page
    assert "Still for sale?" in page


def test_a_message_over_the_hourly_limit_comes_back_with_what_was_typed(
    client, listing, buyer, settings
):
    conversation = _conversation(listing, buyer)
    settings.MESSAGING_MESSAGES_PER_HOUR = 1
    client.force_login(buyer)

    response = client.post(
        reverse("messaging:conversation", args=[conversation.pk]), {"body": "再问一下：暖气费？"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "You have sent 1 messages in the last hour. Try again in 1 hour." in page
    assert "再问一下：暖气费？" in page
    assert conversation.messages.count() == 1


def test_html_in_a_message_is_shown_as_text_with_its_line_breaks(client, listing, buyer):
    conversation = _conversation(listing, buyer, body="<script>alert(1)</script>\nsecond line")
    client.force_login(buyer)

    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line" in page


@pytest.mark.parametrize("outsider", ["other_buyer", "other_agent", "anonymous"])
def test_only_the_two_people_see_or_write_in_a_conversation(client, listing, buyer, outsider):
    conversation = _conversation(listing, buyer)
    url = reverse("messaging:conversation", args=[conversation.pk])
    if outsider == "other_buyer":
        client.force_login(BuyerFactory())
    elif outsider == "other_agent":
        client.force_login(AgentFactory())

    seen = client.get(url)
    written = client.post(url, {"body": "let me in"})

    expected = 302 if outsider == "anonymous" else 404  # visitors are sent to log in
    assert (seen.status_code, written.status_code) == (expected, expected)
    assert Message.objects.count() == 1


def test_the_agent_sees_the_unread_badge_replies_and_the_buyer_sees_it(client, listing, buyer):
    conversation = _conversation(listing, buyer)
    client.force_login(listing.agent)
    assert 'class="badge badge-unread"' in client.get("/").content.decode()

    client.post(
        reverse("messaging:conversation", args=[conversation.pk]), {"body": "在的，随时看房"}
    )

    assert 'class="badge badge-unread"' not in client.get("/").content.decode()
    client.force_login(buyer)
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert "在的，随时看房" in inbox
    assert "1 new" in inbox


def test_the_inbox_runs_the_same_queries_for_3_and_40_conversations(
    client, buyer, settings, django_assert_num_queries
):
    settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR = 100
    client.force_login(buyer)
    for count in (3, 40):
        for _number in range(count - Conversation.objects.count()):
            conversation = _conversation(ListingFactory(), buyer)
            message_send(conversation=conversation, sender=conversation.agent, body="Hi")
        # Session; user; the two unread badges; the page count; one page of conversations.
        with django_assert_num_queries(6):
            response = client.get(reverse("messaging:inbox"))
        assert response.status_code == 200


def test_an_agent_is_not_offered_the_message_form_on_their_own_listing(client, listing):
    client.force_login(listing.agent)

    page = client.get(listing.get_absolute_url()).content.decode()

    assert 'action="/inbox/ask/' not in page


def test_a_withdrawn_listing_takes_no_new_message(client, listing, buyer):
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.WITHDRAWN)
    client.force_login(buyer)

    response = client.post(reverse("messaging:ask", args=[listing.pk]), {"body": "Hello"})

    assert response.status_code == 404
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("visitor", [True, False])
def test_asking_about_a_draft_answers_exactly_as_about_a_missing_listing(client, buyer, visitor):
    """The 'message the agent' door gives away no draft: the same 404 as an unknown id."""
    draft = ListingFactory(draft=True, title="Secret flat, not yet priced")
    missing_id = draft.pk + 1000
    if not visitor:
        client.force_login(buyer)

    about_draft = client.post(reverse("messaging:ask", args=[draft.pk]), {"body": "Hello"})
    about_nothing = client.post(reverse("messaging:ask", args=[missing_id]), {"body": "Hello"})

    assert about_draft.status_code == about_nothing.status_code == 404
    assert about_draft.content == about_nothing.content
    assert "Secret flat" not in about_draft.content.decode()
    assert not Conversation.objects.exists()
    assert not [key for key, _value in client.session.items() if key.startswith("message-draft:")]
