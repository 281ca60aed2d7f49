"""The conversations API: who may ask, what a message may say, inboxes, threads and read marks."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.db.models import F
from django.utils import timezone

from listings.models import Listing, ListingPhoto
from messaging import services
from messaging.models import Conversation, Message
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ready_photo

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/conversations/"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def detail_url(conversation) -> str:
    return f"{LIST_URL}{conversation.pk}/"


def messages_url(conversation) -> str:
    return f"{LIST_URL}{conversation.pk}/messages/"


def read_url(conversation) -> str:
    return f"{LIST_URL}{conversation.pk}/read/"


@contextmanager
def at(moment: datetime):
    with patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def agent():
    return AgentFactory(first_name="Jing", last_name="Chen")


@pytest.fixture
def buyer():
    return BuyerFactory()


@pytest.fixture
def listing(agent):
    return ListingFactory(agent=agent)


@pytest.fixture
def conversation(buyer, listing):
    conversation, _ = services.conversation_start(
        buyer=buyer, listing=listing, body="Is the flat still for sale?"
    )
    return conversation


def ask(api_client, user, listing, body="Is the flat still for sale?"):
    api_client.force_authenticate(user)
    return api_client.post(LIST_URL, {"listing": listing.pk, "body": body})


# Starting a conversation


def test_a_buyer_asking_about_a_listing_starts_a_conversation_with_its_agent(
    api_client, buyer, agent, listing
):
    # Given a buyer and a public listing
    # When the buyer asks about it
    response = ask(api_client, buyer, listing, "Is the flat still for sale?")

    # Then a conversation with the listing's agent is created and described
    assert response.status_code == 201, response.data
    conversation = Conversation.objects.get()
    assert (conversation.buyer, conversation.agent, conversation.listing) == (buyer, agent, listing)
    message = Message.objects.get()
    assert response.data["id"] == conversation.pk
    assert response.data["listing"] == {"id": listing.pk, "title": listing.title, "cover": None}
    assert response.data["other_person"] == {"id": agent.pk, "name": agent.display_name}
    assert response.data["last_message"] == {
        "id": message.pk,
        "body": "Is the flat still for sale?",
        "sender": buyer.pk,
        "sent_at": response.data["last_message"]["sent_at"],
    }
    assert response.data["last_message"]["sent_at"]
    assert response.data["unread_count"] == 0


def test_asking_again_about_the_same_listing_continues_the_conversation(api_client, buyer, listing):
    # Given a buyer who already asked about a listing
    first = ask(api_client, buyer, listing, "Is the flat still for sale?")
    assert first.status_code == 201

    # When they ask again
    second = ask(api_client, buyer, listing, "And is the heating included?")

    # Then the same conversation gets a second message
    assert second.status_code == 200, second.data
    assert second.data["id"] == first.data["id"]
    assert Conversation.objects.count() == 1
    assert list(Message.objects.values_list("body", flat=True)) == [
        "Is the flat still for sale?",
        "And is the heating included?",
    ]
    assert second.data["last_message"]["body"] == "And is the heating included?"


def test_an_agent_cannot_start_a_conversation(api_client, listing):
    # Given another agent
    other_agent = AgentFactory()

    # When they try to ask about a listing
    response = ask(api_client, other_agent, listing)

    # Then they are refused and nothing is written
    assert response.status_code == 403
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_anonymous_visitors_cannot_start_a_conversation(api_client, listing):
    response = api_client.post(LIST_URL, {"listing": listing.pk, "body": "Hello?"})

    assert response.status_code == 401
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("status", [Listing.Status.SOLD, Listing.Status.WITHDRAWN])
def test_a_listing_off_the_market_cannot_be_asked_about(api_client, buyer, agent, status):
    # Given a listing that is no longer on the market
    listing = ListingFactory(agent=agent, status=status)

    # When a buyer asks about it
    response = ask(api_client, buyer, listing)

    # Then the error names the listing and nothing is written
    assert response.status_code == 400
    assert "listing" in response.data
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_a_draft_listing_cannot_be_asked_about(api_client, buyer, agent):
    listing = ListingFactory(agent=agent, draft=True)

    response = ask(api_client, buyer, listing)

    assert response.status_code == 400
    assert "listing" in response.data
    assert not Conversation.objects.exists()


def test_a_draft_answers_exactly_as_an_id_that_does_not_exist(api_client, buyer, agent):
    """Nobody learns that an agent has a draft under that id, or what it says."""
    draft = ListingFactory(agent=agent, draft=True)
    missing_id = draft.pk + 1000

    about_draft = ask(api_client, buyer, draft)
    about_nothing = api_client.post(LIST_URL, {"listing": missing_id, "body": "Hello?"})

    assert about_draft.status_code == about_nothing.status_code == 400
    assert about_draft.json() == {"listing": [f'Invalid pk "{draft.pk}" - object does not exist.']}
    assert about_nothing.json() == {
        "listing": [f'Invalid pk "{missing_id}" - object does not exist.']
    }


def test_an_unknown_listing_cannot_be_asked_about(api_client, buyer):
    api_client.force_authenticate(buyer)

    response = api_client.post(LIST_URL, {"listing": 999_999, "body": "Hello?"})

    assert response.status_code == 400
    assert "listing" in response.data
    assert not Conversation.objects.exists()


# What a message may say


@pytest.mark.parametrize("body", ["", "   ", "\n\t  \n"])
def test_an_empty_or_blank_message_is_refused(api_client, buyer, listing, body):
    response = ask(api_client, buyer, listing, body)

    assert response.status_code == 400
    assert "body" in response.data
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_a_message_of_5000_characters_is_accepted(api_client, buyer, listing):
    body = "长" * 4999 + "x"

    response = ask(api_client, buyer, listing, body)

    assert response.status_code == 201, response.data
    assert Message.objects.get().body == body


def test_a_message_of_5001_characters_is_refused(api_client, buyer, listing):
    response = ask(api_client, buyer, listing, "x" * 5001)

    assert response.status_code == 400
    assert "body" in response.data
    assert not Message.objects.exists()


def test_a_reply_longer_than_5000_characters_is_refused(api_client, conversation, agent):
    api_client.force_authenticate(agent)

    response = api_client.post(messages_url(conversation), {"body": "x" * 5001})

    assert response.status_code == 400
    assert "body" in response.data
    assert Message.objects.count() == 1


def test_html_in_a_message_is_stored_and_returned_as_the_exact_text(
    api_client, buyer, agent, listing
):
    # Given a body with markup in it (escaping it is the templates' job, not the API's)
    body = "<script>alert(\"hi\")</script> <b>bold</b> & 'quotes' &amp;"

    # When the buyer sends it
    response = ask(api_client, buyer, listing, body)

    # Then it is stored and returned unchanged, to both people
    assert response.status_code == 201, response.data
    assert Message.objects.get().body == body
    assert response.data["last_message"]["body"] == body
    conversation = Conversation.objects.get()
    api_client.force_authenticate(agent)
    thread = api_client.get(messages_url(conversation))
    assert [message["body"] for message in thread.data] == [body]


# Anti-spam


def test_a_buyer_cannot_start_more_conversations_per_hour_than_allowed(
    api_client, settings, buyer, agent
):
    # Given a limit of 2 new conversations an hour, and a buyer who has started 2
    settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR = 2
    first, second, third = ListingFactory.create_batch(3, agent=agent)
    assert ask(api_client, buyer, first).status_code == 201
    assert ask(api_client, buyer, second).status_code == 201

    # When they ask about a third flat
    response = ask(api_client, buyer, third)

    # Then they are told when to try again, and nothing is written
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert response.data == {
        "detail": "You have asked about 2 flats in the last hour. Try again in 1 hour.",
        "retry_after": 3600,
    }
    assert Conversation.objects.count() == 2
    assert Message.objects.count() == 2

    # But continuing an existing conversation is still allowed
    assert ask(api_client, buyer, first, "One more question").status_code == 200

    # And an hour later they may start a new one
    Conversation.objects.update(created_at=F("created_at") - timedelta(minutes=61))
    assert ask(api_client, buyer, third).status_code == 201
    assert Conversation.objects.count() == 3


def test_a_sender_cannot_send_more_messages_per_hour_than_allowed(
    api_client, settings, conversation, buyer, agent
):
    # Given a limit of 3 messages an hour for buyers, and a buyer who has sent 3 (one asked)
    settings.MESSAGING_MESSAGES_PER_HOUR = 3
    Message.objects.filter(conversation=conversation).update(
        sent_at=timezone.now() - timedelta(minutes=50)
    )
    api_client.force_authenticate(buyer)
    for body in ("Two", "Three"):
        assert api_client.post(messages_url(conversation), {"body": body}).status_code == 201

    # When they write a fourth
    response = api_client.post(messages_url(conversation), {"body": "Four"})

    # Then they are told when the oldest leaves the hour, and nothing is written
    assert response.status_code == 429
    assert 9 * 60 < int(response["Retry-After"]) <= 10 * 60
    assert response.data["detail"] == (
        "You have sent 3 messages in the last hour. Try again in 10 minutes."
    )
    assert conversation.messages.count() == 3

    # But the agent, who answers many buyers, has a limit of their own
    settings.MESSAGING_AGENT_MESSAGES_PER_HOUR = 5
    api_client.force_authenticate(agent)
    assert api_client.post(messages_url(conversation), {"body": "Yes"}).status_code == 201


def test_the_limit_on_new_conversations_is_per_buyer(api_client, settings, buyer, agent):
    settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR = 1
    first, second = ListingFactory.create_batch(2, agent=agent)
    assert ask(api_client, buyer, first).status_code == 201

    response = ask(api_client, BuyerFactory(), second)

    assert response.status_code == 201, response.data


# Inboxes


@pytest.fixture
def inbox(agent, buyer):
    """Agent with three listings; the buyer asks about two, another buyer about the third.

    t0: buyer asks about A.  t1, t2: buyer asks twice about B.  t3: other buyer asks about C.
    t4: the agent answers about A.
    """
    listing_a, listing_b, listing_c = ListingFactory.create_batch(3, agent=agent)
    other_buyer = BuyerFactory()
    with at(T0):
        about_a, _ = services.conversation_start(buyer=buyer, listing=listing_a, body="A?")
    with at(T0 + timedelta(minutes=1)):
        about_b, _ = services.conversation_start(buyer=buyer, listing=listing_b, body="B?")
    with at(T0 + timedelta(minutes=2)):
        services.conversation_start(buyer=buyer, listing=listing_b, body="B, again?")
    with at(T0 + timedelta(minutes=3)):
        about_c, _ = services.conversation_start(buyer=other_buyer, listing=listing_c, body="C?")
    with at(T0 + timedelta(minutes=4)):
        reply = services.message_send(conversation=about_a, sender=agent, body="Yes, A is.")
    return {"a": about_a, "b": about_b, "c": about_c, "reply": reply, "other_buyer": other_buyer}


def test_the_buyers_inbox_lists_their_conversations_newest_first(api_client, buyer, agent, inbox):
    api_client.force_authenticate(buyer)

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    results = response.data["results"]
    assert [row["id"] for row in results] == [inbox["a"].pk, inbox["b"].pk]
    # Only the agent's unread reply counts, never the buyer's own messages
    assert [row["unread_count"] for row in results] == [1, 0]
    assert results[0]["last_message"]["id"] == inbox["reply"].pk
    assert results[0]["last_message"]["body"] == "Yes, A is."
    assert results[0]["last_message"]["sender"] == agent.pk
    assert results[1]["last_message"]["body"] == "B, again?"
    assert {row["other_person"]["id"] for row in results} == {agent.pk}
    assert response.data["next"] is None


def test_the_agents_inbox_lists_every_buyers_conversation_newest_first(
    api_client, buyer, agent, inbox
):
    api_client.force_authenticate(agent)

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    results = response.data["results"]
    assert [row["id"] for row in results] == [inbox["a"].pk, inbox["c"].pk, inbox["b"].pk]
    assert [row["unread_count"] for row in results] == [1, 1, 2]
    assert [row["last_message"]["body"] for row in results] == ["Yes, A is.", "C?", "B, again?"]
    assert [row["other_person"]["id"] for row in results] == [
        buyer.pk,
        inbox["other_buyer"].pk,
        buyer.pk,
    ]


def test_an_inbox_without_conversations_is_empty(api_client, buyer, inbox):
    api_client.force_authenticate(BuyerFactory())

    response = api_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.data["results"] == []


def test_the_inbox_is_paged_by_keyset_each_conversation_once(api_client, agent):
    # Given 7 conversations for the agent, three of them with the same last_message_at
    listings = ListingFactory.create_batch(7, agent=agent)
    conversations = []
    for minute, listing in enumerate(listings):
        with at(T0 + timedelta(minutes=minute)):
            conversation, _ = services.conversation_start(
                buyer=BuyerFactory(), listing=listing, body=f"Question {minute}"
            )
        conversations.append(conversation)
    tied = [conversations[2].pk, conversations[3].pk, conversations[4].pk]
    Conversation.objects.filter(pk__in=tied).update(last_message_at=T0 + timedelta(minutes=3))
    expected = [
        conversations[6].pk,
        conversations[5].pk,
        conversations[4].pk,
        conversations[3].pk,
        conversations[2].pk,
        conversations[1].pk,
        conversations[0].pk,
    ]
    api_client.force_authenticate(agent)

    # When the agent follows `next` with 3 a page
    seen, pages, url = [], 0, f"{LIST_URL}?page_size=3"
    while url:
        response = api_client.get(url)
        assert response.status_code == 200, response.data
        assert len(response.data["results"]) <= 3
        seen += [row["id"] for row in response.data["results"]]
        url = response.data["next"]
        pages += 1

    # Then they see every conversation once, newest first
    assert seen == expected
    assert pages == 3


def test_anonymous_visitors_have_no_inbox(api_client):
    assert api_client.get(LIST_URL).status_code == 401


# Threads


def test_the_thread_is_oldest_first_and_says_whose_each_message_is(api_client, buyer, agent, inbox):
    api_client.force_authenticate(buyer)

    response = api_client.get(messages_url(inbox["a"]))

    assert response.status_code == 200
    assert [(m["body"], m["sender"], m["mine"]) for m in response.data] == [
        ("A?", buyer.pk, True),
        ("Yes, A is.", agent.pk, False),
    ]
    api_client.force_authenticate(agent)
    response = api_client.get(messages_url(inbox["a"]))
    assert [m["mine"] for m in response.data] == [False, True]


def test_polling_with_after_returns_only_newer_messages(api_client, buyer, agent, conversation):
    first = conversation.messages.get()
    second = services.message_send(conversation=conversation, sender=agent, body="Yes.")
    third = services.message_send(conversation=conversation, sender=buyer, body="Great.")
    api_client.force_authenticate(buyer)

    after_first = api_client.get(messages_url(conversation), {"after": first.pk})
    after_third = api_client.get(messages_url(conversation), {"after": third.pk})

    assert after_first.status_code == 200
    assert [m["id"] for m in after_first.data] == [second.pk, third.pk]
    assert after_third.data == []


@pytest.mark.parametrize("after", ["abc", "", "-1", "1.5", "١"])
def test_polling_with_an_after_that_is_not_an_id_is_refused(api_client, buyer, conversation, after):
    api_client.force_authenticate(buyer)

    response = api_client.get(messages_url(conversation), {"after": after})

    assert response.status_code == 400
    assert "after" in response.data


def test_the_agent_replies_in_the_thread(api_client, buyer, agent, conversation):
    api_client.force_authenticate(agent)

    response = api_client.post(messages_url(conversation), {"body": "  Yes, it is.  "})

    assert response.status_code == 201, response.data
    assert response.data["body"] == "Yes, it is."
    assert response.data["sender"] == agent.pk
    assert response.data["mine"] is True
    assert response.data["read_at"] is None
    conversation.refresh_from_db()
    assert conversation.messages.count() == 2
    assert conversation.last_message_at == Message.objects.get(pk=response.data["id"]).sent_at


def test_a_blank_reply_is_refused(api_client, agent, conversation):
    api_client.force_authenticate(agent)

    response = api_client.post(messages_url(conversation), {"body": "   "})

    assert response.status_code == 400
    assert "body" in response.data
    assert conversation.messages.count() == 1


# Read marks


def test_reading_marks_only_the_other_persons_messages_read(api_client, buyer, agent, conversation):
    # Given two buyer messages and one agent reply, none read
    services.message_send(conversation=conversation, sender=buyer, body="Hello?")
    reply = services.message_send(conversation=conversation, sender=agent, body="Yes.")
    api_client.force_authenticate(agent)

    # When the agent reads the conversation
    response = api_client.post(read_url(conversation))

    # Then the buyer's two messages are marked read, not the agent's own
    assert response.status_code == 200
    assert response.data == {"marked_read": 2}
    assert not conversation.messages.filter(sender=buyer, read_at__isnull=True).exists()
    reply.refresh_from_db()
    assert reply.read_at is None

    # And reading again marks nothing
    assert api_client.post(read_url(conversation)).data == {"marked_read": 0}

    # And the unread count drops for the agent, not for the buyer
    assert api_client.get(detail_url(conversation)).data["unread_count"] == 0
    api_client.force_authenticate(buyer)
    assert api_client.get(detail_url(conversation)).data["unread_count"] == 1
    assert api_client.get(LIST_URL).data["results"][0]["unread_count"] == 1


def test_retrieve_describes_the_conversation_for_each_person(
    api_client, buyer, agent, conversation
):
    api_client.force_authenticate(agent)

    response = api_client.get(detail_url(conversation))

    assert response.status_code == 200
    assert response.data["id"] == conversation.pk
    assert response.data["other_person"]["id"] == buyer.pk
    assert response.data["unread_count"] == 1


# Only the two people in a conversation


@pytest.fixture(params=["third_buyer", "second_agent"])
def outsider(request):
    return BuyerFactory() if request.param == "third_buyer" else AgentFactory()


def test_an_outsider_cannot_see_a_conversation(api_client, conversation, outsider):
    api_client.force_authenticate(outsider)

    assert api_client.get(detail_url(conversation)).status_code == 404
    assert api_client.get(messages_url(conversation)).status_code == 404
    assert api_client.get(messages_url(conversation), {"after": 0}).status_code == 404
    assert api_client.get(LIST_URL).data["results"] == []


def test_an_outsider_cannot_write_in_a_conversation(api_client, conversation, outsider):
    api_client.force_authenticate(outsider)

    response = api_client.post(messages_url(conversation), {"body": "Buy my flat instead!"})

    assert response.status_code == 404
    assert conversation.messages.count() == 1
    conversation.refresh_from_db()
    assert conversation.first_reply_seconds is None


def test_an_outsider_cannot_mark_a_conversation_read(api_client, conversation, outsider):
    api_client.force_authenticate(outsider)

    response = api_client.post(read_url(conversation))

    assert response.status_code == 404
    assert not conversation.messages.filter(read_at__isnull=False).exists()


def test_an_unknown_conversation_is_not_found(api_client, buyer, conversation):
    api_client.force_authenticate(buyer)
    missing = Conversation(pk=conversation.pk + 1000)

    assert api_client.get(detail_url(missing)).status_code == 404
    assert api_client.get(messages_url(missing)).status_code == 404
    assert api_client.post(read_url(missing)).status_code == 404


def test_anonymous_visitors_cannot_use_any_conversation_endpoint(api_client, conversation):
    assert api_client.get(detail_url(conversation)).status_code == 401
    assert api_client.get(messages_url(conversation)).status_code == 401
    assert api_client.post(messages_url(conversation), {"body": "Hi"}).status_code == 401
    assert api_client.post(read_url(conversation)).status_code == 401
    assert conversation.messages.count() == 1
    assert not conversation.messages.filter(read_at__isnull=False).exists()


def test_the_conversation_shows_the_listings_cover_thumbnail(api_client, buyer, listing):
    # Given a listing with a pending photo, a ready photo and a ready cover photo
    ready_photo(listing, 0)
    cover = ready_photo(listing, 1, is_cover=True)
    ListingPhoto.objects.create(
        listing=listing, original="originals/pending.jpg", content_hash="p" * 64, position=0
    )

    # When the buyer asks about it
    response = ask(api_client, buyer, listing)

    # Then the cover is the chosen cover's thumbnail, as absolute URLs
    assert response.status_code == 201, response.data
    thumb = cover.variants["thumb"]
    assert response.data["listing"]["cover"] == {
        "url": f"http://testserver/media/{thumb['jpeg']}",
        "url_webp": f"http://testserver/media/{thumb['webp']}",
        "width": 400,
        "height": 300,
    }
