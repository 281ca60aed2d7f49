"""notify_many: one insert for many recipients, each email after commit as with notify()."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from notifications import services
from notifications.models import EmailOptOut, Kind, Notification
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def _notify(recipients, listing):
    return services.notify_many(
        [
            services.notification_build(
                recipient=recipient,
                kind=Kind.PRICE_CUT,
                subject=listing,
                text=f"for {recipient.username}",
                link=listing.get_absolute_url(),
                group_key=f"price-cut:{listing.pk}",
            )
            for recipient in recipients
        ]
    )


def test_each_recipient_gets_their_own_row_and_text_in_one_insert(django_assert_num_queries):
    recipients = [BuyerFactory(username="ann"), BuyerFactory(username="bo")]
    listing = ListingFactory()
    ContentType.objects.clear_cache()

    with django_assert_num_queries(2):  # the content type (then cached), the insert
        _notify(recipients, listing)

    assert sorted(Notification.objects.values_list("recipient__username", "text")) == [
        ("ann", "for ann"),
        ("bo", "for bo"),
    ]


def test_emails_go_after_commit_and_respect_opt_outs(django_capture_on_commit_callbacks):
    wants, refuses = BuyerFactory(email="w@example.com"), BuyerFactory(email="r@example.com")
    EmailOptOut.objects.create(user=refuses, kind=Kind.PRICE_CUT)
    listing = ListingFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify([wants, refuses], listing)
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert [message.to for message in mail.outbox] == [["w@example.com"]]
    assert Notification.objects.get(recipient=refuses).email_skipped


def test_no_recipients_is_nothing():
    assert _notify([], ListingFactory()) == 0
    assert not Notification.objects.exists()


def test_many_recipients_are_emailed_by_one_task_per_batch(
    django_capture_on_commit_callbacks, monkeypatch
):
    # Given more recipients than one email task takes
    monkeypatch.setattr(services, "EMAIL_TASK_RECIPIENTS", 2)
    recipients = [BuyerFactory(email=f"buyer{n}@example.com") for n in range(5)]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify(recipients, ListingFactory())

    # Then three tasks after commit (2, 2 and 1 recipients) email each of them once
    assert len(callbacks) == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"buyer{n}@example.com" for n in range(5)
    ]
