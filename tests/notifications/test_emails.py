"""Notification emails: sent after commit, once, gathered per conversation, in the reader's language."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from kombu.exceptions import OperationalError

from marketplace.celery import app as celery_app
from messaging import services as messaging
from messaging.models import Message
from notifications import services, tasks
from notifications.models import Notification
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.messaging.factories import ConversationFactory

pytestmark = pytest.mark.django_db

ENGLISH_SUBJECT = "Walkup: %(count)d new notification(s)"


@pytest.fixture
def agent():
    return AgentFactory(first_name="Jing", last_name="Chen", language="en")


@pytest.fixture
def buyer():
    return BuyerFactory(language="en")


@pytest.fixture
def listing(agent):
    return ListingFactory(agent=agent)


@pytest.fixture
def conversation(buyer, listing):
    return ConversationFactory(listing=listing, buyer=buyer)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """message_send as a request does it: the transaction commits, on-commit hooks run."""

    def _send(conversation, sender, body):
        with django_capture_on_commit_callbacks(execute=True):
            return messaging.message_send(conversation=conversation, sender=sender, body=body)

    return _send


class BrokerDown:
    """Redis is unreachable: tasks are not eager and queuing one raises like kombu does."""

    def __init__(self):
        self.task = tasks.send_notification_emails._get_current_object()
        self.down = False

    def start(self):
        def refuse(*args, **kwargs):
            raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

        celery_app.conf.task_always_eager = False
        self.task.delay = refuse  # an instance attribute shadows Task.delay
        self.down = True

    def restore(self):
        if self.down:
            del self.task.delay
            celery_app.conf.task_always_eager = True
            self.down = False


@pytest.fixture
def broker_down():
    broker = BrokerDown()
    broker.start()
    yield broker
    broker.restore()


def move_back(notification: Notification, minutes: int) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        emailed_at=F("emailed_at") - timedelta(minutes=minutes)
    )


# --- the same transaction, after commit --------------------------------------------------


def test_the_notification_is_rolled_back_with_the_message(conversation, buyer, agent):
    # given a request that fails after the message is written
    def request():
        with transaction.atomic():
            messaging.message_send(conversation=conversation, sender=buyer, body="Still for sale?")
            assert Notification.objects.filter(recipient=agent).count() == 1
            raise RuntimeError("something later in the request failed")

    # when
    with pytest.raises(RuntimeError, match="later in the request"):
        request()
    # then neither the message nor its notification exists, and nothing was emailed
    assert not Message.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_rolled_back_message_queues_no_email(
    conversation, buyer, django_capture_on_commit_callbacks
):
    # given a request that fails after the message is written
    def request():
        with transaction.atomic():
            messaging.message_send(conversation=conversation, sender=buyer, body="Still for sale?")
            raise RuntimeError("something later in the request failed")

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        request()
    # then
    assert callbacks == []
    assert mail.outbox == []


def test_the_email_is_sent_only_after_commit(
    conversation, buyer, agent, django_capture_on_commit_callbacks
):
    # given / when the message is written
    with django_capture_on_commit_callbacks(execute=True):
        messaging.message_send(conversation=conversation, sender=buyer, body="Still for sale?")
        # then, before commit, the notification exists but no email has gone out
        assert Notification.objects.get(recipient=agent).emailed_at is None
        assert mail.outbox == []
    # and after commit exactly one email went out
    assert len(mail.outbox) == 1
    assert Notification.objects.get(recipient=agent).emailed_at is not None


# --- one email, in the recipient's language ----------------------------------------------


def test_the_recipient_gets_one_email_in_english(send, conversation, buyer, agent):
    # given an English-speaking agent
    # when the buyer writes
    message = send(conversation, buyer, "Is the flat on the fifth floor still for sale?")
    # then
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [agent.email]
    assert email.subject == "Walkup: 1 new notification(s)"
    assert "Hello" in email.body
    assert "Is the flat on the fifth floor still for sale?" in email.body
    link = reverse("messaging:conversation", args=[conversation.pk])
    assert f"{settings.SITE_URL}{link}" in email.body
    assert f"{settings.SITE_URL}/notifications/settings/" in email.body
    assert Notification.objects.get(recipient=agent).subject == message


def test_a_chinese_speaking_recipient_gets_the_email_in_chinese(send, conversation, buyer):
    # given a Chinese-speaking agent
    agent = conversation.agent
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    # when
    send(conversation, buyer, "还在卖吗？")
    # then
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    with translation.override("zh-hans"):
        chinese = translation.gettext(ENGLISH_SUBJECT) % {"count": 1}
    if chinese != ENGLISH_SUBJECT % {"count": 1}:  # the subject has been translated
        assert email.subject == chinese
        assert "条新通知" in email.subject
    assert "你好" in email.body
    assert "还在卖吗？" in email.body
    # and the request language did not leak: the next English recipient gets English
    other = ConversationFactory(listing=ListingFactory(agent=AgentFactory(language="en")))
    send(other, other.buyer, "Still for sale?")
    assert mail.outbox[1].subject == "Walkup: 1 new notification(s)"


# --- gathering ---------------------------------------------------------------------------


def test_messages_within_ten_minutes_are_gathered_into_one_later_email(
    send, conversation, buyer, agent, listing
):
    # given a first message, emailed at once
    send(conversation, buyer, "First question")
    assert len(mail.outbox) == 1
    first = Notification.objects.get(recipient=agent)
    # when two more arrive within the window
    send(conversation, buyer, "Second question")
    send(conversation, buyer, "Third question")
    # then no new email yet, and the sweep waits too
    assert len(mail.outbox) == 1
    assert tasks.send_due_notification_emails() == 0
    assert len(mail.outbox) == 1
    # when the window has passed
    move_back(first, minutes=11)
    sent = tasks.send_due_notification_emails()
    # then one email carries both later messages
    assert sent == 1
    assert len(mail.outbox) == 2
    gathered = mail.outbox[1]
    assert gathered.to == [agent.email]
    assert gathered.subject == "Walkup: 2 new notification(s)"
    assert "Second question" in gathered.body
    assert "Third question" in gathered.body
    assert "First question" not in gathered.body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    # and the sweep does not send them again
    assert tasks.send_due_notification_emails() == 0
    assert len(mail.outbox) == 2


def test_a_message_in_another_conversation_is_emailed_at_once(send, conversation, buyer, agent):
    # given a conversation whose window is open
    send(conversation, buyer, "First question")
    send(conversation, buyer, "Second question")
    assert len(mail.outbox) == 1
    # when another buyer asks the same agent about another flat
    other = ConversationFactory(listing=ListingFactory(agent=agent))
    send(other, other.buyer, "A question about another flat")
    # then that is a separate group: emailed straight away, alone
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Walkup: 1 new notification(s)"
    assert "A question about another flat" in mail.outbox[1].body
    assert "Second question" not in mail.outbox[1].body


# --- read first, broker down -------------------------------------------------------------


def test_nothing_is_sent_when_the_recipient_reads_it_first(
    broker_down, django_capture_on_commit_callbacks, conversation, buyer, agent
):
    # given the buyer writes while the broker is down, so the email waits for the sweep
    with django_capture_on_commit_callbacks(execute=True):
        messaging.message_send(conversation=conversation, sender=buyer, body="Still for sale?")
    assert mail.outbox == []
    # when the agent opens the conversation before the sweep runs
    messaging.conversation_mark_read(conversation=conversation, reader=agent)
    sent = tasks.send_due_notification_emails()
    # then
    assert sent == 0
    assert mail.outbox == []
    assert Notification.objects.get(recipient=agent).read_at is not None


def test_an_unreachable_broker_does_not_lose_the_message_or_send_twice(
    broker_down, django_capture_on_commit_callbacks, conversation, buyer, agent, caplog
):
    # given the broker is down when the message commits
    with django_capture_on_commit_callbacks(execute=True):
        message = messaging.message_send(conversation=conversation, sender=buyer, body="Hi")
    # then the message succeeded, and no email went out yet
    assert Message.objects.filter(pk=message.pk).exists()
    assert Notification.objects.get(recipient=agent).emailed_at is None
    assert mail.outbox == []
    assert "the sweep will" in caplog.text
    # when the broker is back and the sweep runs
    broker_down.restore()
    assert celery_app.conf.task_always_eager is True
    assert tasks.send_due_notification_emails() == 1
    # then one email
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [agent.email]
    # and never twice
    assert tasks.send_due_notification_emails() == 0
    assert len(mail.outbox) == 1


# --- opting out, no address --------------------------------------------------------------


def test_an_opted_out_user_gets_the_notification_but_no_email(send, conversation, buyer, agent):
    # given
    services.email_preferences_set(user=agent, email_by_kind={"new_message": False})
    # when
    send(conversation, buyer, "Still for sale?")
    # then
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert mail.outbox == []
    assert tasks.send_due_notification_emails() == 0
    assert mail.outbox == []
    assert services.email_preferences(agent)["new_message"] is False


def test_opting_back_in_emails_later_messages(send, conversation, buyer, agent):
    # given an agent who opted out, then back in
    services.email_preferences_set(user=agent, email_by_kind={"new_message": False})
    services.email_preferences_set(user=agent, email_by_kind={"new_message": True})
    assert services.email_preferences(agent)["new_message"] is True
    # when
    send(conversation, buyer, "Still for sale?")
    # then
    assert len(mail.outbox) == 1
    assert "Still for sale?" in mail.outbox[0].body


def test_what_arrived_while_opted_out_is_not_emailed_after_opting_back_in(
    send, conversation, buyer, agent
):
    # given a message that arrived while the agent had opted out
    services.email_preferences_set(user=agent, email_by_kind={"new_message": False})
    send(conversation, buyer, "Sent while you had opted out")
    # when the agent opts back in and a new message arrives
    services.email_preferences_set(user=agent, email_by_kind={"new_message": True})
    send(conversation, buyer, "Sent after opting back in")
    # then only the new one is emailed
    assert len(mail.outbox) == 1
    assert "Sent after opting back in" in mail.outbox[0].body
    assert "Sent while you had opted out" not in mail.outbox[0].body


def test_a_recipient_without_an_email_address_gets_nothing_and_nothing_breaks(
    send, conversation, buyer, agent
):
    # given
    agent.email = ""
    agent.save(update_fields=["email"])
    # when
    message = send(conversation, buyer, "Still for sale?")
    # then
    assert Message.objects.filter(pk=message.pk).exists()
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert mail.outbox == []
    assert tasks.send_due_notification_emails() == 0
    assert mail.outbox == []


# --- scheduling --------------------------------------------------------------------------


def test_the_sweep_runs_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-notification-emails"]
    assert entry["task"] == "notifications.tasks.send_due_notification_emails"
    assert entry["schedule"] == 60.0
    assert celery_app.conf.beat_schedule["send-due-notification-emails"] == entry
    assert entry["task"] in celery_app.tasks


@pytest.mark.parametrize(
    "task", [tasks.send_notification_emails, tasks.send_notification_emails_to_many]
)
def test_the_tasks_have_time_limits_and_retries(task):
    assert task.name == f"notifications.tasks.{task.__name__}"
    assert task.soft_time_limit
    assert task.time_limit
    assert task.soft_time_limit < task.time_limit
    assert ConnectionError in task.autoretry_for
    assert OSError in task.autoretry_for  # smtplib errors are OSErrors
    assert task.retry_backoff
    assert task.max_retries
    sweep = tasks.send_due_notification_emails
    assert sweep.soft_time_limit
    assert sweep.time_limit
    assert sweep.soft_time_limit < sweep.time_limit
