"""The new-conversation burst on a SQLite file, as `make run` serves it (own process and settings).

    DATABASE_URL=sqlite:////tmp/burst.sqlite3 python -m tests.messaging.sqlite_burst 25

Prints the answers' status codes and how many conversations were started, as JSON. tests/messaging/test_limits_concurrency.py runs it.
"""

import json
import os
import sys


def main(count: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from tests.accounts.factories import AgentFactory, BuyerFactory
    from tests.concurrency import at_once
    from tests.listings.factories import ListingFactory

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0, skip_checks=True)
    buyer = BuyerFactory()
    listings = ListingFactory.create_batch(count, agent=AgentFactory())

    def ask(index: int):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        client.force_authenticate(buyer)
        response = client.post(
            "/api/v1/conversations/",
            {"listing": listings[index].pk, "body": "Is it still for sale?"},
            format="json",
        )
        return response.status_code

    statuses = [r if isinstance(r, int) else repr(r) for r in at_once(count, ask)]
    from messaging.models import Conversation

    return {"statuses": statuses, "started": Conversation.objects.filter(buyer=buyer).count()}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
