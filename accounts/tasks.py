from celery import shared_task

from accounts import services


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=10,
    retry_backoff_max=120,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def send_password_reset_email(user_id: int) -> bool:
    """Email a password-reset link (a retry sends a fresh link; each works until one is used)."""
    return services.password_reset_email_send(user_id=user_id)
