"""The per-buyer limits hold when a buyer's requests arrive at the same instant."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from marketplace.celery import app as celery_app
from messaging.models import Conversation
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.concurrency import at_once
from tests.listings.factories import ListingFactory

ROOT = Path(__file__).resolve().parents[2]
BURST = 25


@pytest.fixture
def inline_tasks():
    """No worker here: emails go out inline, nothing is left in the broker."""
    celery_app.conf.task_always_eager = True


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_new_conversations_on_postgresql_starts_exactly_the_limit(
    settings, inline_tasks
):
    # Given a limit of 10 new conversations an hour, and 25 flats on the market
    settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR = 10
    buyer = BuyerFactory()
    listings = ListingFactory.create_batch(BURST, agent=AgentFactory())

    # When the buyer asks about all 25 at the same instant
    def ask(index: int):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        client.force_authenticate(buyer)
        response = client.post(
            "/api/v1/conversations/",
            {"listing": listings[index].pk, "body": "Is it still for sale?"},
            format="json",
        )
        return response.status_code, response.get("Retry-After")

    answers = at_once(BURST, ask)

    # Then exactly 10 are started and the others are told when to retry
    assert Counter(status for status, _retry in answers) == {201: 10, 429: 15}
    assert all(retry for status, retry in answers if status == 429)
    assert Conversation.objects.filter(buyer=buyer).count() == 10


def test_a_burst_of_new_conversations_on_a_sqlite_file_never_answers_500(tmp_path):
    # Given the development database, a SQLite file, in a process of its own
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'burst.sqlite3'}",
        "MESSAGING_NEW_CONVERSATIONS_PER_HOUR": "10",
    }
    environment.pop("REDIS_URL", None)

    # When one buyer asks about 25 flats at the same instant
    finished = subprocess.run(  # noqa: S603 (our own module, our own arguments)
        [sys.executable, "-m", "tests.messaging.sqlite_burst", str(BURST)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # Then writers waited their turn: exactly 10 started, the others refused, no 500
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert Counter(result["statuses"]) == {201: 10, 429: 15}, finished.stderr[-3000:]
    assert result["started"] == 10
