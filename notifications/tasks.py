from celery import shared_task
from django.db import DatabaseError

from notifications import services

# A mail server or database that is away for a while: try again, waiting longer each time.
EMAIL_RETRIES = {
    "autoretry_for": (ConnectionError, TimeoutError, OSError, DatabaseError),
    "retry_backoff": 10,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(**EMAIL_RETRIES, soft_time_limit=60, time_limit=90)
def send_notification_emails(recipient_id: int) -> int:
    """Email one user what is due now (later messages wait for the gathering window)."""
    return services.emails_send_due(recipient_id=recipient_id)


@shared_task(**EMAIL_RETRIES, soft_time_limit=240, time_limit=300)
def send_notification_emails_to_many(recipient_ids: list[int]) -> int:
    """Email each of these users what is due now (notify_many's batches: an alerts run's
    buyers); a retry sends only what is still unsent."""
    return services.emails_send_due(recipient_ids=recipient_ids)


@shared_task(soft_time_limit=240, time_limit=300)
def send_due_notification_emails() -> int:
    """The outbox sweep: everything due, whoever it is for."""
    return services.emails_send_due()
