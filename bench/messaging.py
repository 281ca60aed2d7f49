"""Messaging benchmark: sending a message through the API against an authenticated
`GET /api/v1/me/` (any request's cost; the two interleaved, with the same API token) and a raw
INSERT of the same row, and the inbox (page and API) for a user with 50, 200 and 500
conversations.

    .venv/bin/python bench/messaging.py [--database-url postgres://...] [--sends 300]

Uses PostgreSQL (database created if missing) and, when reachable, Redis as the Celery broker,
so a send pays for queueing its email task as in production (no worker consumes it here).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_SEND_RATIO = 3.0  # send / raw INSERT (mean)
GOAL_SEND_OVER_ME = 1.5  # send p95 / GET /api/v1/me/ p95, measured interleaved
GOAL_INBOX_FLATNESS = 1.3  # inbox time at 500 conversations / at 50


def _ensure_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _setup(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("REDIS_URL", args.redis_url)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    _ensure_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    settings.MESSAGING_NEW_CONVERSATIONS_PER_HOUR = 10_000
    # Every send must be a send (not a 429); the count it checks stays that of one busy hour.
    settings.MESSAGING_MESSAGES_PER_HOUR = 100_000
    call_command("migrate", verbosity=0)


def _people():
    from accounts.models import User
    from accounts.services import user_make_agent
    from listings.models import City, District

    agent, _ = User.objects.get_or_create(username="bench-agent", defaults={"role": "agent"})
    user_make_agent(user=agent)
    city, _ = City.objects.get_or_create(slug="bench", defaults={"name": "Bench", "name_zh": "测"})
    district, _ = District.objects.get_or_create(
        city=city, name="Bench", defaults={"name_zh": "测"}
    )
    return agent, city, district


def _buyer_with_conversations(count: int, agent, city, district):
    from django.utils import timezone

    from accounts.models import User
    from listings.models import Listing
    from messaging.models import Conversation, Message

    buyer, created = User.objects.get_or_create(username=f"bench-buyer-{count}")
    if not created:
        return buyer
    now = timezone.now()
    listings = Listing.objects.bulk_create(
        Listing(
            agent=agent,
            city=city,
            district=district,
            title=f"Flat {n}",
            price=46_000,
            area_m2=50,
            rooms=2,
            floor=5,
            total_floors=6,
            status="active",
            published_at=now,
        )
        for n in range(count)
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(listing=listing, buyer=buyer, agent=agent, last_message_at=now)
        for listing in listings
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, sender=sender, body=f"Message {n}", sent_at=now)
        for conversation in conversations
        for n, sender in enumerate((buyer, agent, buyer, agent))
    )
    return buyer


def _timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _summary(samples: list[float]) -> str:
    return (
        f"mean {statistics.mean(samples):7.2f}  p50 {statistics.median(samples):7.2f}"
        f"  p95 {_p95(samples):7.2f} ms"
    )


def bench_send(sends: int, agent, city, district):
    """The send and `GET /me/` with the same token, one after the other, then the raw INSERT."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from messaging.models import Conversation, Message

    buyer = _buyer_with_conversations(1, agent, city, district)
    # Earlier runs' messages out of the hourly window: the limit counts this run's only.
    Message.objects.filter(sender=buyer).update(sent_at=timezone.now() - timedelta(hours=2))
    conversation = Conversation.objects.filter(buyer=buyer).first()
    _token, key = AuthToken.objects.create(buyer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/conversations/{conversation.pk}/messages/"

    def send():
        response = client.post(url, {"body": "Is it still for sale?"}, format="json")
        assert response.status_code == 201, (response.status_code, response.content[:300])

    def me():
        response = client.get("/api/v1/me/")
        assert response.status_code == 200, response.status_code

    for _ in range(20):  # warm up
        send()
        me()
    api, me_samples = [], []
    for _ in range(sends):
        api.extend(_timed(send, 1))
        me_samples.extend(_timed(me, 1))

    def raw_insert():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO messaging_message (conversation_id, sender_id, body, sent_at, read_at)"
                " VALUES (%s, %s, %s, now(), NULL)",
                [conversation.pk, buyer.pk, "Is it still for sale?"],
            )

    raw = _timed(raw_insert, sends)
    return api, me_samples, raw


def bench_inbox(agent, city, district, repeat: int):
    from django.test import Client
    from rest_framework.test import APIClient

    rows = {}
    # Every size fills a whole page (30 on the web, 20 in the API), so only N changes.
    for count in (50, 200, 500):
        buyer = _buyer_with_conversations(count, agent, city, district)
        web = Client()
        web.force_login(buyer)
        api = APIClient()
        api.force_authenticate(buyer)
        for _ in range(5):
            web.get("/inbox/")
            api.get("/api/v1/conversations/")
        rows[count] = (
            _timed(lambda web=web: web.get("/inbox/"), repeat),
            _timed(lambda api=api: api.get("/api/v1/conversations/"), repeat),
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/walkup_bench_messaging"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--sends", type=int, default=300)
    parser.add_argument("--inbox-requests", type=int, default=100)
    args = parser.parse_args()
    _setup(args)
    agent, city, district = _people()

    api, me, raw = bench_send(args.sends, agent, city, district)
    send_ratio = statistics.mean(api) / statistics.mean(raw)
    send_over_me = _p95(api) / _p95(me)
    print(f"\n=== sending a message ({args.sends} each)")
    print(
        f"API POST .../messages/ (validation, row lock, insert, notification, queue email)  {_summary(api)}"
    )
    print(
        f"API GET /api/v1/me/ (same token, interleaved with the sends)                     {_summary(me)}"
    )
    print(
        f"raw INSERT of the same row                                                      {_summary(raw)}"
    )

    inbox = bench_inbox(agent, city, district, args.inbox_requests)
    print(f"\n=== inbox for a buyer with N conversations ({args.inbox_requests} requests each)")
    for count, (web, api_list) in inbox.items():
        print(f"N={count:4d}  page /inbox/  {_summary(web)}   API list  {_summary(api_list)}")
    web_flat = statistics.median(inbox[500][0]) / statistics.median(inbox[50][0])
    api_flat = statistics.median(inbox[500][1]) / statistics.median(inbox[50][1])

    print("\n=== goals")
    rows = [
        (
            "message send p95 / GET /me/ p95",
            f"<= {GOAL_SEND_OVER_ME}",
            send_over_me,
            send_over_me <= GOAL_SEND_OVER_ME,
        ),
        (
            "message send / raw INSERT (mean)",
            f"<= {GOAL_SEND_RATIO}",
            send_ratio,
            send_ratio <= GOAL_SEND_RATIO,
        ),
        (
            "inbox page p50, 500 / 50 conversations",
            f"<= {GOAL_INBOX_FLATNESS}",
            web_flat,
            web_flat <= GOAL_INBOX_FLATNESS,
        ),
        (
            "inbox API p50, 500 / 50 conversations",
            f"<= {GOAL_INBOX_FLATNESS}",
            api_flat,
            api_flat <= GOAL_INBOX_FLATNESS,
        ),
    ]
    for name, target, value, passed in rows:
        print(f"{name:42s} {target:>8s} {value:8.2f}  {'PASS' if passed else 'MISS'}")


if __name__ == "__main__":
    main()
