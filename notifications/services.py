import json
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from marketplace.tasks import enqueue_or_leave_for_sweep
from notifications.models import EmailOptOut, Kind, Notification


def notify(
    *,
    recipient: User,
    kind: str,
    subject,
    text: str,
    link: str,
    group_key: str,
    email_after: datetime | None = None,
) -> Notification:
    """Record a notification in the caller's transaction; its email is tried after commit.

    With `email_after`, the email waits until then (and gathers what else came for its group).
    """
    notification = notification_build(
        recipient=recipient,
        kind=kind,
        subject=subject,
        text=text,
        link=link,
        group_key=group_key,
        email_after=email_after,
    )
    notification.save()
    transaction.on_commit(lambda: _queue_emails(recipient.pk))
    return notification


def notification_build(
    *,
    recipient: User | int,
    kind: str,
    subject,
    text: str,
    link: str,
    group_key: str,
    email_after: datetime | None = None,
    items: list[dict[str, str]] | None = None,
) -> Notification:
    """An unsaved notification, for `notify_many`; `items` ({"text", "link"} each) are what a
    gathering notification lists. `recipient` may be a user's id and `subject` a (model, pk)
    pair, when only keys are at hand (an alerts run builds tens of thousands)."""
    model, subject_id = subject if isinstance(subject, tuple) else (subject, subject.pk)
    who = {"recipient_id": recipient} if isinstance(recipient, int) else {"recipient": recipient}
    return Notification(
        **who,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(model),
        subject_id=subject_id,
        group_key=group_key,
        text=text[:300],
        link=link,
        email_after=email_after,
        items=items or [],
    )


def notify_many(notifications: list[Notification]) -> int:
    """Record notifications built with `notification_build` at once (price cuts, saved-search
    alerts): one insert (per 500 rows outside PostgreSQL), and the emails tried after commit,
    one task per EMAIL_TASK_RECIPIENTS recipients. Returns how many were recorded."""
    if not notifications:
        return 0
    if connection.vendor == "postgresql":
        _insert_in_one_statement(notifications)
    else:
        Notification.objects.bulk_create(notifications, batch_size=500)
    recipient_ids = sorted({notification.recipient_id for notification in notifications})
    # An alerts run notifies tens of thousands of buyers: a task each was as many messages to
    # the broker at its commit.
    for offset in range(0, len(recipient_ids), EMAIL_TASK_RECIPIENTS):
        batch = recipient_ids[offset : offset + EMAIL_TASK_RECIPIENTS]
        transaction.on_commit(partial(_queue_emails_to_many, batch))
    return len(notifications)


EMAIL_TASK_RECIPIENTS = 50

# The columns notify_many writes; the others are null: not read, not emailed yet.
INSERTED_FIELDS = (
    "recipient",
    "kind",
    "subject_type",
    "subject_id",
    "group_key",
    "text",
    "link",
    "items",
    "created_at",
    "email_skipped",
    "email_after",
)


def _insert_in_one_statement(notifications: list[Notification]) -> None:
    """PostgreSQL: every row in one INSERT ... SELECT FROM json_populate_recordset of one JSON
    document, which costs a fraction of bulk_create's per-value work (and of psycopg's quoting
    of text arrays) at 28,000 alerts a run. Only quoted identifiers of the model and a
    placeholder go into the statement."""
    now = timezone.now()
    for notification in notifications:
        notification.created_at = now
    fields = [Notification._meta.get_field(name) for name in INSERTED_FIELDS]
    rows = [
        {field.column: getattr(notification, field.attname) for field in fields}
        for notification in notifications
    ]
    quote = connection.ops.quote_name
    table = quote(Notification._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
            f"FROM json_populate_recordset(NULL::{table}, %s::json)",
            [json.dumps(rows, default=_isoformat, ensure_ascii=False)],
        )


def _isoformat(value: datetime) -> str:
    return value.isoformat()


def notifications_mark_read(
    *, user: User, ids: list[int] | None = None, group_key: str | None = None
) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    if group_key is not None:
        unread = unread.filter(group_key=group_key)
    return unread.update(read_at=timezone.now())


def email_preferences_set(*, user: User, email_by_kind: dict[str, bool]) -> None:
    with transaction.atomic():
        for kind, wanted in email_by_kind.items():
            if wanted:
                EmailOptOut.objects.filter(user=user, kind=kind).delete()
            else:
                EmailOptOut.objects.get_or_create(user=user, kind=kind)


def email_preferences(user: User) -> dict[str, bool]:
    opted_out = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return {kind: kind not in opted_out for kind in Kind.values}


def emails_send_due(
    *, recipient_id: int | None = None, recipient_ids: list[int] | None = None
) -> int:
    """Email what is due, one email per recipient and group; returns how many were sent.

    Due: not read, not emailed, the kind not opted out, and no email for that group in the
    gathering window. Rows are locked and marked in the transaction that sends, so two
    workers (or a task and the sweep) never send the same notification twice.
    """
    pending = Notification.objects.filter(
        _email_due(timezone.now()),
        emailed_at__isnull=True,
        read_at__isnull=True,
        email_skipped=False,
    )
    if recipient_id is not None:
        pending = pending.filter(recipient_id=recipient_id)
    if recipient_ids is not None:
        pending = pending.filter(recipient_id__in=recipient_ids)
    groups = pending.order_by().values_list("recipient_id", "group_key").distinct()
    sent = 0
    for group_recipient_id, group_key in list(groups):
        sent += _send_group(group_recipient_id, group_key)
    return sent


def _email_due(now: datetime) -> Q:
    return Q(email_after__isnull=True) | Q(email_after__lte=now)


def _send_group(recipient_id: int, group_key: str) -> int:
    window_start = timezone.now() - timedelta(seconds=settings.NOTIFICATION_EMAIL_GATHER_SECONDS)
    with transaction.atomic():
        last_email = Notification.objects.filter(
            recipient_id=recipient_id, group_key=group_key
        ).aggregate(last=Max("emailed_at"))["last"]
        if last_email and last_email > window_start:
            return 0  # gathered: the sweep sends them once the window has passed
        waiting = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                _email_due(timezone.now()),
                recipient_id=recipient_id,
                group_key=group_key,
                emailed_at__isnull=True,
                read_at__isnull=True,
                email_skipped=False,
            )
            .select_related("recipient")
            .order_by("id")
        )
        opted_out = set(
            EmailOptOut.objects.filter(user_id=recipient_id).values_list("kind", flat=True)
        )
        skipped = [n.pk for n in waiting if n.kind in opted_out]
        if skipped:  # not wanted by email now, so never later either
            Notification.objects.filter(pk__in=skipped).update(email_skipped=True)
        due = [n for n in waiting if n.kind not in opted_out]
        if not due:
            return 0
        recipient = due[0].recipient
        now = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in due]).update(emailed_at=now)
        if recipient.email:
            _send_email(recipient, due)
    return 1 if recipient.email else 0


def _send_email(recipient: User, notifications: list[Notification]) -> None:
    with translation.override(recipient.language):
        subject = _("Walkup: %(count)d new notification(s)") % {"count": len(notifications)}
        lines = [
            _("Hello %(name)s,") % {"name": recipient.display_name},
            "",
            *(_email_lines(n) for n in notifications),
            "",
            _("Turn these emails off in your notification settings: %(url)s")
            % {"url": f"{settings.SITE_URL}/notifications/settings/"},
        ]
    send_mail(subject, "\n".join(lines), None, [recipient.email])


def _email_lines(notification: Notification) -> str:
    lines = [f"- {notification.text}\n  {settings.SITE_URL}{notification.link}"]
    lines.extend(
        f"  · {item['text']}\n    {settings.SITE_URL}{item['link']}" for item in notification.items
    )
    return "\n".join(lines)


def _queue_emails(recipient_id: int) -> None:
    from notifications.tasks import send_notification_emails

    enqueue_or_leave_for_sweep(
        send_notification_emails, recipient_id, what=f"emails for user {recipient_id}"
    )


def _queue_emails_to_many(recipient_ids: list[int]) -> None:
    from notifications.tasks import send_notification_emails_to_many

    enqueue_or_leave_for_sweep(
        send_notification_emails_to_many,
        recipient_ids,
        what=f"emails for {len(recipient_ids)} users from {recipient_ids[0]}",
    )
