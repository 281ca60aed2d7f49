"""Page weight of the search page (and home, saved flats) as a phone downloads it: the HTML, the
CSS and scripts it links and the card thumbnails (WebP, what every current phone picks).

    .venv/bin/python bench/page_weight.py [--workdir /tmp/walkup_page_weight]

Loads the demo data (with its photos) into a SQLite database in the work folder, once; then
fetches each page through Django's test client as a visitor and as the demo buyer `buyer1`.
Prints bytes per part, raw and gzipped (WhiteNoise serves static files compressed), and the goal.
"""

import argparse
import gzip
import os
import re
import sys
import tempfile
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_BYTES = 300_000
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "walkup_page_weight"
PAGES = [("search", "/listings/"), ("home", "/"), ("saved flats", "/favorites/")]


def _setup(workdir: Path, *, photos: bool = True) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["PRIVATE_MEDIA_ROOT"] = str(workdir / "private-media")
    os.environ.pop("REDIS_URL", None)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from demo.loading import load_demo
    from listings import demo

    # The demo users are only ever force_login'ed here: hashing their passwords slowly (PBKDF2,
    # most of the demo's set-up time) buys nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    call_command("migrate", verbosity=0)
    if photos:
        load_demo()
        return
    # Processing the demo's ~190 photos is most of its time; patch.object fails if it is renamed.
    with mock.patch.object(demo, "_add_photos", return_value=None):
        load_demo()


def _static_bytes(url: str) -> int:
    from django.contrib.staticfiles import finders

    path = finders.find(url.removeprefix("/static/"))
    return Path(path).stat().st_size if path else 0


def _gzipped(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=6))


def _weigh(client, url: str) -> dict[str, int]:
    from django.conf import settings

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, (url, response.status_code)
    html = response.content
    page = html.decode()
    linked = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page)
    static = {}
    for asset in linked:
        path = Path(_finder_path(asset))
        content = path.read_bytes()
        static[asset] = (len(content), _gzipped(content))
    thumbs = re.findall(r'<source type="image/webp" srcset="([^"]+)"', page)
    media_root = Path(settings.MEDIA_ROOT)
    image_bytes = sum(
        (media_root / thumb.removeprefix(settings.MEDIA_URL)).stat().st_size for thumb in thumbs
    )
    return {
        "html": len(html),
        "html_gz": _gzipped(html),
        "static": sum(raw for raw, _gz in static.values()),
        "static_gz": sum(gz for _raw, gz in static.values()),
        "images": image_bytes,
        "thumbnails": len(thumbs),
        "cards": page.count('class="card"'),
        "save_forms": page.count('class="save-form"'),
    }


def _finder_path(url: str) -> str:
    from django.contrib.staticfiles import finders

    return finders.find(url.removeprefix("/static/"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default=DEFAULT_WORKDIR, type=Path)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="the demo without its photos, only to check that the script works (tests/bench); "
        "use a --workdir of its own, the images column is then 0",
    )
    args = parser.parse_args()
    _setup(args.workdir, photos=not args.smoke)

    from django.test import Client

    from accounts.models import User

    visitor, buyer = Client(), Client()
    buyer.force_login(User.objects.get(username="buyer1"))
    print(
        f"{'page':<12} {'who':<8} {'cards':>5} {'thumbs':>6} {'html':>8} {'html gz':>8} "
        f"{'css+js':>7} {'gz':>6} {'images':>8} {'total (gz)':>11}  goal"
    )
    worst = 0
    for name, url in PAGES:
        for who, client in (("visitor", visitor), ("buyer1", buyer)):
            if who == "visitor" and name == "saved flats":
                continue
            w = _weigh(client, url)
            total = w["html_gz"] + w["static_gz"] + w["images"]
            worst = max(worst, total)
            verdict = "PASS" if total < GOAL_BYTES else "MISS"
            print(
                f"{name:<12} {who:<8} {w['cards']:>5} {w['thumbnails']:>6} {w['html']:>8,} "
                f"{w['html_gz']:>8,} {w['static']:>7,} {w['static_gz']:>6,} {w['images']:>8,} "
                f"{total:>11,}  {verdict} (< {GOAL_BYTES:,})"
            )
    print(f"favorites.js: {_static_bytes('/static/js/favorites.js'):,} bytes")
    print(f"heaviest page: {worst:,} bytes")


if __name__ == "__main__":
    main()
