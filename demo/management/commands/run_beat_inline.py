"""Beat without Redis: `make run` runs the periodic tasks in this process, on their schedule."""

import logging
import time

from celery.schedules import maybe_schedule
from django.conf import settings
from django.core.management.base import BaseCommand

from marketplace.celery import app

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run CELERY_BEAT_SCHEDULE's tasks inline, each when due (saved-search alerts, listing "
        "expiry and reminders, the email and photo sweeps): beat for the embedded default, "
        "without Redis. In production run `make beat` and `make worker` instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every task once and stop")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks")

    def handle(self, *args, once: bool = False, tick: float = 5.0, **options):
        self.verbosity = options.get("verbosity", 1)
        app.loader.import_default_modules()  # every app's tasks module, as a worker does
        entries = {
            name: (entry["task"], maybe_schedule(entry["schedule"], app=app))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        last_run = dict.fromkeys(entries)
        while True:
            for name, (task_name, schedule) in entries.items():
                if last_run[name] is None or schedule.is_due(last_run[name]).is_due:
                    last_run[name] = app.now()
                    self._run(name, task_name)
            if once:
                return
            time.sleep(tick)

    def _run(self, name: str, task_name: str) -> None:
        try:
            result = app.tasks[task_name].apply(throw=True).get()
        except Exception:  # one failing task must not stop the others
            logger.exception("Periodic task %s failed", name)
            return
        if self.verbosity > 1:
            self.stdout.write(f"{name}: {result}")
