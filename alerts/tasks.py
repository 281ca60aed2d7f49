from dataclasses import asdict

from celery import shared_task
from django.db import DatabaseError

from alerts import services


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, DatabaseError),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def match_saved_searches() -> dict[str, int]:
    """Alert saved searches about newly matching listings; a repeated or overlapping run alerts
    nobody twice."""
    return asdict(services.saved_searches_match())
