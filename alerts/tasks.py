from dataclasses import asdict

from celery import shared_task

from alerts import services
from marketplace.tasks import SWEEP_TASK


@shared_task(**SWEEP_TASK)
def match_saved_searches() -> dict[str, int]:
    """Alert saved searches about newly matching listings; a repeated or overlapping run alerts
    nobody twice."""
    return asdict(services.saved_searches_match())
