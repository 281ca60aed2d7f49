"""The rehearsal's traffic (ops/rehearse.py runs it headless): strangers searching, buyers
writing to agents, agents uploading photos, owners posting renovation updates.

Every request is written to REHEARSAL_REQUESTS (CSV: time, kind, status, milliseconds), so the
rehearsal can tell errors inside a fault's window from errors outside it.
"""

import csv
import io
import json
import os
import random
import threading
import time

from locust import HttpUser, between, events, task
from PIL import Image

PASSWORD = os.environ.get("REHEARSAL_PASSWORD", "walkup-demo-2026")
BUYERS = os.environ.get("REHEARSAL_BUYERS", "buyer1,buyer2,buyer3").split(",")
PHOTO_LIMIT = int(os.environ.get("REHEARSAL_PHOTOS", "100"))
# {"agent1": [listing ids]}, and buyer1's renovation project: read from the database by the
# rehearsal, which knows them.
AGENT_LISTINGS = json.loads(os.environ.get("REHEARSAL_AGENT_LISTINGS", "{}"))
PROJECT_ID = os.environ.get("REHEARSAL_PROJECT_ID", "")

_lock = threading.Lock()
_out = open(os.environ.get("REHEARSAL_REQUESTS", "requests.csv"), "a", newline="")  # noqa: SIM115
_writer = csv.writer(_out)
_photos_sent = [0]
# The uploads are spread over this many seconds from the first, so the rehearsal's photo
# faults (pool kills, the whole worker's kill) find photos in hand however long the run.
PHOTO_SPREAD_SECONDS = float(os.environ.get("REHEARSAL_PHOTO_SPREAD_SECONDS", "0"))
_photos_started: list[float] = []


@events.request.add_listener
def _record(request_type, name, response_time, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) if response is not None else 0
    if exception is not None and not status:
        status = 0
    with _lock:
        _writer.writerow([f"{time.time():.3f}", name, status, f"{response_time:.1f}"])
        _out.flush()


def _jpeg() -> bytes:
    colour = tuple(random.randrange(256) for _channel in range(3))
    image = Image.new("RGB", (1200, 900), colour)
    for _stripe in range(20):
        x = random.randrange(1100)
        image.paste(tuple(random.randrange(256) for _c in range(3)), (x, 0, x + 40, 900))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class _Walkup(HttpUser):
    abstract = True

    def on_start(self):
        self.client.verify = False

    def until_ok(self, send) -> dict:
        """A user starting during a fault tries again, as an app would, rather than die."""
        for _attempt in range(30):
            response = send()
            if response.status_code in (200, 201):
                return response.json()
            time.sleep(2)
        raise RuntimeError(f"no answer: {response.status_code}")

    def token_for(self, username: str) -> None:
        body = self.until_ok(
            lambda: self.client.post(
                "/api/v1/auth/token/",
                json={"username": username, "password": PASSWORD},
                name="log in (API)",
            )
        )
        self.client.headers["Authorization"] = f"Token {body['token']}"

    def listing_ids(self) -> list[int]:
        body = self.until_ok(
            lambda: self.client.get("/api/v1/listings/?page_size=50", name="API search")
        )
        return [listing["id"] for listing in body["results"]]


class Stranger(_Walkup):
    """Anonymous: search pages, listing pages, the public API."""

    weight = 6
    wait_time = between(0.5, 2)

    def on_start(self):
        super().on_start()
        self.ids = self.listing_ids()

    @task(3)
    def search_page(self):
        self.client.get(f"/listings/?page={random.randint(1, 5)}", name="search page")

    @task(3)
    def listing_page(self):
        self.client.get(f"/listings/{random.choice(self.ids)}/", name="listing page")

    @task(2)
    def api_search(self):
        self.client.get(f"/api/v1/listings/?page_size={random.choice([10, 20])}", name="API search")

    @task(1)
    def home(self):
        self.client.get("/", name="home page")


class Buyer(_Walkup):
    """Asks agents about listings and reads the inbox."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        self.token_for(random.choice(BUYERS))
        self.ids = self.listing_ids()[:8]
        self.conversations = []

    @task(2)
    def send_message(self):
        if not self.conversations:
            response = self.client.post(
                "/api/v1/conversations/",
                json={"listing": random.choice(self.ids), "body": "还在卖吗？ Still for sale?"},
                name="message (new conversation)",
            )
            if response.status_code in (200, 201):
                self.conversations.append(response.json()["id"])
            return
        conversation = random.choice(self.conversations)
        self.client.post(
            f"/api/v1/conversations/{conversation}/messages/",
            json={"body": f"能视频看房吗？ {random.randrange(10**6)}"},
            name="message",
        )

    @task(3)
    def inbox(self):
        self.client.get("/api/v1/conversations/", name="inbox")


class Agent(_Walkup):
    """Uploads photos of their listings (at most REHEARSAL_PHOTOS in all)."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        agent = random.choice(list(AGENT_LISTINGS))
        self.token_for(agent)
        self.ids = AGENT_LISTINGS[agent]

    @task
    def upload_photo(self):
        with _lock:
            if _photos_sent[0] >= PHOTO_LIMIT or not self.ids:
                return
            if not _photos_started:
                _photos_started.append(time.time())
            due = _photos_started[0] + _photos_sent[0] * PHOTO_SPREAD_SECONDS / PHOTO_LIMIT
            if time.time() < due:
                return
            _photos_sent[0] += 1
        listing = random.choice(self.ids)
        self.client.post(
            f"/api/v1/listings/{listing}/photos/",
            files={"image": ("photo.jpg", _jpeg(), "image/jpeg")},
            name="photo upload",
        )


class Owner(_Walkup):
    """Posts renovation updates on their project."""

    weight = 1
    wait_time = between(3, 6)

    def on_start(self):
        super().on_start()
        self.token_for("buyer1")
        self.project = PROJECT_ID or None

    @task
    def post_update(self):
        if self.project is None:
            return
        self.client.post(
            f"/api/v1/renovations/{self.project}/updates/",
            data={"note": f"今天铺了地砖 {random.randrange(10**6)}"},
            name="renovation update",
        )
