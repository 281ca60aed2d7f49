from celery import shared_task

from marketplace.tasks import SWEEP_TASK
from viewings import services


@shared_task(**SWEEP_TASK)
def send_viewing_reminders() -> int:
    """Beat: remind both people an hour before each confirmed viewing (each once)."""
    return services.viewings_send_reminders()
