#!/usr/bin/env python
"""Benchmark of listing-photo processing against plain Pillow and libvips.

Generates N photo-like 12-megapixel JPEGs (4000x3000, quality 90, 3-4 MB, some with EXIF
orientation 6 and an embedded ICC profile, all with GPS and capture time), adds them to a
listing through listings.services.photo_add, then measures, in fresh worker processes forked
from a parent that has Django and the tasks loaded (as a Celery prefork worker is):

* the real task: photos.tasks.process_photo.run("listings.ListingPhoto", photo_id) (database, private
  storage read, photos.processing.render_variants, six storage writes);
* render_variants alone (no database, no storage);
* plain Pillow without draft mode: open, exif_transpose, convert RGB, LANCZOS from full
  size for each variant, the same encoder settings as photos.processing.FORMATS;
* pyvips (libvips' thumbnail, i.e. vipsthumbnail's shrink-on-load) with one thread per
  process (VIPS_CONCURRENCY=1) and with its default thread pool, when installed;

each on 1 and 2 processes: photos per second (wall clock), CPU per photo (user + sys of the
workers), peak RSS per worker. Then the goals, PASS/MISS. With --experiments: variations of
the pipeline (WebP method, JPEG options, resampling filter, reducing_gap, cascade, draft,
colour conversion order), with output sizes and PSNR, and the best candidates measured again
through the real task.

Run from the project root:

    .venv/bin/python bench/photos.py                  # ~3 minutes (the first run adds ~20 s)
    .venv/bin/python bench/photos.py --experiments    # ~7 minutes

The photos are cached in --workdir (default /tmp/walkup_bench_photos). The database is
--database-url (default postgres://postgres@127.0.0.1:5432/walkup_bench_photos, created if
missing and rebuilt when the migration files change); nothing else is written to.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import math
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageOps, ImageStat  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/walkup_bench_photos"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "walkup_bench_photos"
GENERATOR_VERSION = 1  # bump when generate_photo changes: cached photos are made again
PHOTO_SIZE = (4000, 3000)
PHOTOS_PER_LISTING = 20  # settings.PHOTOS_PER_LISTING is 30
CTX = multiprocessing.get_context("fork")
GOALS = {
    "rate": 10.0,  # photos/s on 2 processes, all variants (3 sizes x WebP + JPEG)
    "cpu": 1.2,  # task CPU per photo <= 1.2 x pyvips CPU per photo (one libvips thread)
    "rss_mb": 200.0,  # peak RSS per worker process
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


# --------------------------------------------------------------------------- photos


@dataclass(frozen=True)
class PhotoSpec:
    index: int
    path: Path
    sideways: bool  # EXIF orientation 6: stored landscape, shown portrait
    icc: bool  # an embedded ICC profile (sRGB), so the colour conversion runs

    @property
    def upright_size(self) -> tuple[int, int]:
        return PHOTO_SIZE[::-1] if self.sideways else PHOTO_SIZE


def photo_specs(workdir: Path, count: int) -> list[PhotoSpec]:
    folder = workdir / "photos"
    return [
        PhotoSpec(i, folder / f"photo-{i:03d}.jpg", sideways=i % 4 == 1, icc=i % 3 == 2)
        for i in range(count)
    ]


def generate_photo(spec: PhotoSpec) -> int:
    """A photo-like JPEG: shapes on gradients, soft edges, texture and sensor noise.

    Flat colour would compress to a few hundred KB and decode unrealistically fast; the noise
    puts the file at 3-4 MB, as a phone's 12 MP photo of a room is.
    """
    rng = random.Random(f"walkup-photo-{spec.index}")
    width, height = PHOTO_SIZE
    small = (width // 4, height // 4)

    def colour() -> tuple[int, int, int]:
        return (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))

    gradient = Image.linear_gradient("L").resize(small)
    if rng.random() < 0.5:
        gradient = gradient.transpose(Image.Transpose.ROTATE_90).resize(small)
    image = ImageOps.colorize(gradient, colour(), colour())
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(25, 45)):
        kind = rng.random()
        x0, y0 = rng.randint(-100, small[0]), rng.randint(-100, small[1])
        box = (x0, y0, x0 + rng.randint(20, 500), y0 + rng.randint(20, 400))
        if kind < 0.5:  # walls, windows, furniture
            draw.rectangle(box, fill=colour(), outline=colour(), width=rng.randint(0, 6))
        elif kind < 0.75:
            draw.ellipse(box, fill=colour())
        elif kind < 0.9:
            points = [
                (rng.randint(0, small[0]), rng.randint(0, small[1]))
                for _ in range(rng.randint(3, 6))
            ]
            draw.polygon(points, fill=colour())
        else:
            points = [(rng.randint(0, small[0]), rng.randint(0, small[1])) for _ in range(4)]
            draw.line(points, fill=colour(), width=rng.randint(1, 8))
    # Mid-frequency texture (plaster, fabric, wood), then upsampled: a lens's softness.
    texture = Image.merge("RGB", [Image.effect_noise(small, 50) for _ in range(3)])
    image = Image.blend(image, texture, 0.12)
    image = image.resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
    # Sensor noise at full resolution: what makes phone JPEGs big.
    luma = Image.effect_noise(PHOTO_SIZE, 40)
    image = Image.blend(image, Image.merge("RGB", (luma, luma, luma)), rng.uniform(0.11, 0.16))

    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"
    exif[0x0110] = "Redmi Note 12"
    exif[0x0112] = 6 if spec.sideways else 1
    exif[0x0132] = "2025:10:12 14:03:22"
    exif.get_ifd(0x8769)[0x9003] = "2025:10:12 14:03:22"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)  # what must never reach a public variant
    gps.update({1: "N", 2: (47.0, 20.0, 1.5), 3: "E", 4: (130.0, 17.0, 42.25)})
    options = {"quality": 90, "exif": exif.tobytes()}
    if spec.icc:
        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    spec.path.parent.mkdir(parents=True, exist_ok=True)
    partial = spec.path.with_suffix(".part")
    image.save(partial, "JPEG", **options)
    partial.rename(spec.path)
    return spec.path.stat().st_size


def ensure_photos(workdir: Path, count: int) -> list[PhotoSpec]:
    specs = photo_specs(workdir, count)
    manifest = workdir / "photos" / "manifest.json"
    version = {"generator": GENERATOR_VERSION, "size": PHOTO_SIZE}
    if manifest.exists() and json.loads(manifest.read_text()) != json.loads(json.dumps(version)):
        shutil.rmtree(manifest.parent)
    missing = [s for s in specs if not s.path.exists()]
    if missing:
        log(f"generating {len(missing)} photos of {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} in {workdir}")
        started = time.perf_counter()
        with CTX.Pool(min(len(missing), os.cpu_count() or 1)) as pool:
            pool.map(generate_photo, missing)
        manifest.write_text(json.dumps(version))
        log(f"  generated in {time.perf_counter() - started:.1f}s")
    return specs


def small_jpeg() -> bytes:
    """A 640x480 JPEG to warm up codecs and libraries in a worker before timing."""
    buffer = io.BytesIO()
    noise = Image.effect_noise((640, 480), 40)
    Image.merge("RGB", (noise, noise.rotate(90), noise)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


# --------------------------------------------------------------------------- Django setup


def url_with_db(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + dbname))


def migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        if ".venv" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_postgres(url: str) -> None:
    """Create the database if missing; make it again if the migration files changed."""
    import psycopg

    dbname = urlsplit(url).path.lstrip("/")
    fingerprint = migrations_fingerprint()
    with psycopg.connect(url_with_db(url, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if exists:
            with psycopg.connect(url, autocommit=True) as pg:
                has_meta = pg.execute("SELECT to_regclass('_bench_meta') IS NOT NULL").fetchone()[0]
                row = None
                if has_meta:
                    row = pg.execute(
                        "SELECT value FROM _bench_meta WHERE key = 'migrations'"
                    ).fetchone()
            stale = row != (fingerprint,)
            if stale:
                log(f"{dbname}: migration files changed, making the database again")
                admin.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
                exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{dbname}"')
            log(f"created database {dbname}")


def record_fingerprint(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("CREATE TABLE IF NOT EXISTS _bench_meta (key text PRIMARY KEY, value text)")
        pg.execute(
            "INSERT INTO _bench_meta VALUES ('migrations', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [migrations_fingerprint()],
        )


def choose_database(args) -> str:
    url = args.database_url
    if url.startswith("sqlite"):
        return url
    try:
        ensure_postgres(url)
    except Exception as error:  # no server: SQLite still measures the task
        sqlite = f"sqlite:///{args.workdir / 'bench.sqlite3'}"
        log(f"PostgreSQL unavailable ({error.__class__.__name__}: {error}); using {sqlite}")
        return sqlite
    return url


def setup_django(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["MEDIA_ROOT"] = str(args.workdir / "media")
    os.environ["PRIVATE_MEDIA_ROOT"] = str(args.workdir / "private-media")
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("MEDIA_STORAGE_BACKEND", None)
    os.environ.pop("PRIVATE_STORAGE_BACKEND", None)
    os.environ["CONN_MAX_AGE"] = "600"  # a worker keeps its connection, as in production
    os.environ["LOG_LEVEL"] = "WARNING"  # pyvips logs every thumbnail at INFO
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log while timing
    # The bench adds its photos again on every run: no upload budget for it.
    settings.PHOTO_UPLOADS_PER_HOUR = settings.PHOTO_UPLOADS_PER_DAY = 10**9
    if args.database_url.startswith("sqlite"):
        from django.db import connections

        # Two workers write: wait for the lock, and take it when a transaction starts (a
        # deferred read transaction that later writes fails at once with "database is locked").
        connections["default"].settings_dict["OPTIONS"].update(
            {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            }
        )
    # What a Celery worker has loaded before it forks its pool.
    import listings.tasks  # noqa: F401
    import photos.processing  # noqa: F401


def prepare_rows(args, specs: list[PhotoSpec]) -> list[int]:
    """Migrate, make a city, agent and listings, and add every photo through photo_add.

    The task is not sent (the row stays pending) so processing can be timed on its own.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services import user_make_agent
    from listings import services
    from listings.models import City, District, Listing, ListingPhoto
    from photos import pipeline

    call_command("migrate", interactive=False, verbosity=0)
    if not args.database_url.startswith("sqlite"):
        record_fingerprint(args.database_url)
    for folder in ("media", "private-media"):
        shutil.rmtree(args.workdir / folder, ignore_errors=True)
    ListingPhoto.objects.all().delete()
    city, _ = City.objects.get_or_create(
        slug="benchville",
        defaults={"name": "Benchville", "name_zh": "测试", "province": "Heilongjiang"},
    )
    district, _ = District.objects.get_or_create(city=city, name="Centre", name_zh="中心区")
    agent = User.objects.filter(username="bench_photo_agent").first()
    if agent is None:
        agent = User(username="bench_photo_agent")
        agent.set_unusable_password()
        agent.save()
        user_make_agent(user=agent, agency_name="Bench")
    send = pipeline.photo_send_processing
    pipeline.photo_send_processing = lambda model_label, photo_id: None
    ids = []
    try:
        for start in range(0, len(specs), PHOTOS_PER_LISTING):
            listing = services.listing_create(
                by=agent,
                data={
                    "city": city,
                    "district": district,
                    "title": "Photo benchmark",
                    "price": 100_000,
                    "area_m2": 60,
                    "rooms": 2,
                    "floor": 3,
                    "total_floors": 6,
                },
            )
            for spec in specs[start : start + PHOTOS_PER_LISTING]:
                upload = SimpleUploadedFile("IMG.jpg", spec.path.read_bytes(), "image/jpeg")
                photo = services.photo_add(listing=listing, upload=upload, by=agent)
                assert photo.status == ListingPhoto.Status.PENDING, photo.status
                ids.append(photo.pk)
    finally:
        pipeline.photo_send_processing = send
    Listing.objects.exclude(photos__isnull=False).delete()
    return ids


def reset_photos(args, ids: list[int]) -> None:
    """Back to 'pending, nothing made' with no variant files, so the task has all to do."""
    from listings.models import ListingPhoto
    from photos.storage import delete_variant_files

    shutil.rmtree(args.workdir / "media", ignore_errors=True)
    for variants in ListingPhoto.objects.filter(pk__in=ids).values_list("variants", flat=True):
        delete_variant_files(variants)  # the drafts' are private, beside the originals kept
    updated = ListingPhoto.objects.filter(pk__in=ids).update(
        variants={},
        status=ListingPhoto.Status.PENDING,
        failure_reason="",
        attempts=0,
        processed_at=None,
        captured_at=None,
    )
    assert updated == len(ids)


def verify_outputs(ids: list[int], specs: list[PhotoSpec]) -> dict:
    """Each photo ready, 3 sizes x WebP + JPEG, upright, of the recorded size, without EXIF."""
    from django.core.files.storage import storages

    from listings.models import ListingPhoto
    from photos.processing import VARIANT_WIDTHS

    spec_by_id = dict(zip(ids, specs, strict=True))
    sizes: dict[tuple[str, str], list[int]] = {}
    checked = 0
    for photo in ListingPhoto.objects.filter(pk__in=ids):
        spec = spec_by_id[photo.pk]
        where = f"photo {photo.pk} ({spec.path.name})"
        assert photo.status == ListingPhoto.Status.READY, f"{where}: {photo.status}"
        assert (photo.width, photo.height) == spec.upright_size, (
            f"{where}: {photo.width}x{photo.height}"
        )
        assert photo.captured_at is not None, f"{where}: no capture time"
        assert set(photo.variants) == set(VARIANT_WIDTHS), f"{where}: {sorted(photo.variants)}"
        for name, data in photo.variants.items():
            assert data["storage"] == "private", f"{where} {name}: a draft's photo made public"
            for key, pillow_format in (("webp", "WEBP"), ("jpeg", "JPEG")):
                with storages[data["storage"]].open(data[key], "rb") as file:
                    content = file.read()
                image = Image.open(io.BytesIO(content))
                assert image.format == pillow_format, f"{where} {name}.{key}: {image.format}"
                assert image.size == (data["width"], data["height"]), f"{where} {name}.{key}"
                assert max(image.size) == VARIANT_WIDTHS[name], (
                    f"{where} {name}.{key}: {image.size}"
                )
                assert (image.height > image.width) == spec.sideways, f"{where} {name}: not upright"
                assert len(image.getexif()) == 0, (
                    f"{where} {name}.{key}: EXIF {dict(image.getexif())}"
                )
                assert "exif" not in image.info, f"{where} {name}.{key}: EXIF block"
                assert "icc_profile" not in image.info, f"{where} {name}.{key}: ICC profile"
                sizes.setdefault((name, key), []).append(len(content))
                checked += 1
    assert checked == len(ids) * 6, f"{checked} files checked for {len(ids)} photos"
    return {
        "files": checked,
        "sizes": {f"{n}.{k}": statistics.mean(v) for (n, k), v in sizes.items()},
    }


def call_in_child(fn, *args):
    """Run fn in a forked process (the parent stays a lean, worker-like process)."""
    from django.db import connections

    connections.close_all()
    queue = CTX.Queue()

    def body():
        try:
            queue.put(("ok", fn(*args)))
        except BaseException:
            queue.put(("error", traceback.format_exc()))
        finally:
            connections.close_all()

    process = CTX.Process(target=body)
    process.start()
    kind, value = queue.get()
    process.join()
    if kind == "error":
        raise SystemExit(f"{fn.__name__} failed in a child process:\n{value}")
    return value


# --------------------------------------------------------------------------- pipelines

WIDTHS = (1600, 1000, 400)  # photos.processing.VARIANT_WIDTHS, checked at start-up


class Timer:
    """Adds wall and CPU seconds of a wrapped function to a shared dict."""

    def __init__(self):
        self.parts: dict[str, list[float]] = {}

    def wrap(self, name: str, fn):
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                total = self.parts.setdefault(name, [0.0, 0.0])
                total[0] += time.perf_counter() - wall
                total[1] += time.process_time() - cpu

        return timed

    def add(self, name: str, wall: float, cpu: float) -> None:
        total = self.parts.setdefault(name, [0.0, 0.0])
        total[0] += wall
        total[1] += cpu


class Job:
    """What a worker does with one item; set up and warmed up before the clock starts."""

    label = ""
    env: dict[str, str] = {}

    def setup(self) -> None:
        pass

    def warmup(self) -> None:
        pass

    def process(self, item) -> None:
        raise NotImplementedError

    def parts(self) -> dict[str, list[float]]:
        return {}


class TaskJob(Job):
    """photos.tasks.process_photo's body, instrumented (the real code is still run)."""

    def __init__(self, recipe: Recipe | None = None):
        self.recipe = recipe
        self.label = "task (real code)" if recipe is None else f"task with '{recipe.label}'"
        self.timer = Timer()

    def setup(self):
        # The task's body is photos.pipeline.photo_process: its names are the ones to wrap.
        from photos import pipeline, processing

        if self.recipe is None:
            processing._encode = self.timer.wrap("encode", processing._encode)
            render = pipeline.render_variants
        else:
            recipe, timer = self.recipe, self.timer

            def render(content, wanted):
                rendered, parts = render_recipe(content, wanted, recipe)
                timer.add("encode", parts["encode"], parts["encode"])
                return rendered

        pipeline.render_variants = self.timer.wrap("render", render)
        pipeline.store_variants = self.timer.wrap("store", pipeline.store_variants)
        pipeline.photo_relocate = self.timer.wrap("relocate", pipeline.photo_relocate)

    def warmup(self):
        from django.core.files.storage import storages

        from listings.models import ListingPhoto
        from photos import pipeline
        from photos.processing import VARIANT_WIDTHS

        pipeline.render_variants(small_jpeg(), set(VARIANT_WIDTHS))
        ListingPhoto.objects.filter(pk=-1).exists()  # opens the database connection
        storages["default"].exists("warmup")
        storages["private"].exists("warmup")
        self.timer.parts.clear()

    def process(self, item):
        from photos.tasks import process_photo

        status = process_photo.run("listings.ListingPhoto", item)
        assert status == "ready", f"photo {item}: {status}"

    def parts(self):
        return self.timer.parts


class RenderJob(Job):
    label = "render_variants only"

    def warmup(self):
        from photos.processing import VARIANT_WIDTHS, render_variants

        render_variants(small_jpeg(), set(VARIANT_WIDTHS))

    def process(self, item: PhotoSpec):
        from photos.processing import VARIANT_WIDTHS, render_variants

        render_variants(item.path.read_bytes(), set(VARIANT_WIDTHS))


def plain_pillow(content: bytes) -> list[tuple[int, int, dict[str, int]]]:
    """Baseline: full-size decode, and LANCZOS from the full-size image for every variant."""
    from photos.processing import FORMATS, _scaled

    out = []
    with Image.open(io.BytesIO(content)) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    for longest in WIDTHS:
        size = _scaled(*image.size, longest)
        variant = image.resize(size, Image.Resampling.LANCZOS)
        files = {}
        for key, (pillow_format, options) in FORMATS.items():
            buffer = io.BytesIO()
            variant.save(buffer, pillow_format, **options)
            files[key] = len(buffer.getvalue())
        out.append((*size, files))
    return out


class PlainPillowJob(Job):
    label = "plain Pillow, no draft"

    def warmup(self):
        plain_pillow(small_jpeg())

    def process(self, item: PhotoSpec):
        plain_pillow(item.path.read_bytes())


VIPS_WEBP = {"Q": 78, "effort": 4, "keep": 0}  # keep=0: no metadata (libvips >= 8.15)
VIPS_JPEG = {"Q": 82, "optimize_coding": True, "interlace": True, "keep": 0}


def vips_variants(
    pyvips, source: str | bytes, webp=None, jpeg=None, cascade=False, timer: Timer | None = None
):
    """libvips' thumbnail (vipsthumbnail): shrink-on-load, lanczos3, auto-rotate.

    Each size is made from the file (as three vipsthumbnail runs would), or with cascade=True,
    decoded once for the largest size and the smaller ones made from that. copy_memory()
    renders once, so the WebP and the JPEG do not decode the file twice.
    """
    webp = webp or VIPS_WEBP
    jpeg = jpeg or VIPS_JPEG
    out = []
    previous = None
    for longest in WIDTHS:
        wall, cpu = time.perf_counter(), time.process_time()
        if cascade and previous is not None:
            image = previous.thumbnail_image(longest, height=longest, size="down")
        elif isinstance(source, bytes):
            image = pyvips.Image.thumbnail_buffer(source, longest, height=longest, size="down")
        else:
            image = pyvips.Image.thumbnail(source, longest, height=longest, size="down")
        image = image.copy_memory()
        if timer:
            timer.add("decode+resize", time.perf_counter() - wall, time.process_time() - cpu)
        previous = image
        files = {}
        for key, save, options in (
            ("webp", image.webpsave_buffer, webp),
            ("jpeg", image.jpegsave_buffer, jpeg),
        ):
            wall, cpu = time.perf_counter(), time.process_time()
            files[key] = save(**options)
            if timer:
                timer.add(key, time.perf_counter() - wall, time.process_time() - cpu)
        out.append((image.width, image.height, files))
    return out


class VipsJob(Job):
    def __init__(self, threads: int | None):
        self.threads = threads
        self.label = (
            "pyvips thumbnail, 1 thread" if threads == 1 else "pyvips thumbnail, default threads"
        )
        self.env = {"VIPS_CONCURRENCY": str(threads)} if threads else {}

    def setup(self):
        import pyvips  # imported in the worker only, after VIPS_CONCURRENCY is set

        pyvips.cache_set_max(0)  # a server would not keep decoded photos around
        self.pyvips = pyvips

    def warmup(self):
        vips_variants(self.pyvips, small_jpeg())

    def process(self, item: PhotoSpec):
        vips_variants(self.pyvips, str(item.path))


def pyvips_available() -> str | None:
    """libvips' version, or None; checked in a child so the parent never loads libvips."""

    def probe():
        try:
            import pyvips
        except Exception:
            return None
        return f"pyvips {pyvips.__version__}, libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"

    return call_in_child(probe)


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    label: str
    procs: int
    photos: int
    wall: float
    cpu: float  # user + sys of all workers, seconds
    rss_ready_kb: int  # max over workers of ru_maxrss after set-up and warm-up
    rss_peak_kb: int  # max over workers of ru_maxrss at the end
    latencies: list[float]
    parts: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.photos / self.wall

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.photos * 1000


def rusage_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker(job: Job, items: list, queue, start) -> None:
    from django.db import connections

    try:
        os.environ.update(job.env)
        job.setup()
        job.warmup()
        ready_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queue.put(("ready", os.getpid()))
        start.wait()
        began, cpu = time.perf_counter(), rusage_cpu()
        latencies = []
        for item in items:
            t = time.perf_counter()
            job.process(item)
            latencies.append(time.perf_counter() - t)
        ended, cpu = time.perf_counter(), rusage_cpu() - cpu
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queue.put(
            (
                "done",
                {
                    "began": began,
                    "ended": ended,
                    "cpu": cpu,
                    "ready_kb": ready_kb,
                    "peak_kb": peak_kb,
                    "latencies": latencies,
                    "parts": job.parts(),
                },
            )
        )
    except BaseException:
        queue.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def measure(job: Job, items: list, procs: int) -> Run:
    """Fork `procs` workers, each takes every procs-th item; the clock starts when all are ready."""
    from django.db import connections

    connections.close_all()
    queue, start = CTX.Queue(), CTX.Event()
    workers = [
        CTX.Process(target=_worker, args=(job, items[k::procs], queue, start)) for k in range(procs)
    ]
    for worker in workers:
        worker.start()
    results = []
    try:
        ready = 0
        while len(results) < procs:
            kind, payload = queue.get(timeout=900)
            if kind == "error":
                raise SystemExit(f"{job.label}: a worker failed:\n{payload}")
            if kind == "ready":
                ready += 1
                if ready == procs:
                    start.set()
            else:
                results.append(payload)
    finally:
        for worker in workers:
            if results and len(results) == procs:
                worker.join()
            else:
                worker.terminate()
                worker.join()
    parts: dict[str, list[float]] = {}
    for result in results:
        for name, (wall, cpu) in result["parts"].items():
            total = parts.setdefault(name, [0.0, 0.0])
            total[0] += wall
            total[1] += cpu
    return Run(
        label=job.label,
        procs=procs,
        photos=len(items),
        wall=max(r["ended"] for r in results) - min(r["began"] for r in results),
        cpu=sum(r["cpu"] for r in results),
        rss_ready_kb=max(r["ready_kb"] for r in results),
        rss_peak_kb=max(r["peak_kb"] for r in results),
        latencies=[latency for r in results for latency in r["latencies"]],
        parts=parts,
    )


def best_of(runs: list[Run]) -> Run:
    """The least disturbed repeat (the machine is shared): fastest wall clock; its RSS is the max."""
    best = min(runs, key=lambda r: r.wall)
    best.rss_peak_kb = max(r.rss_peak_kb for r in runs)
    best.rss_ready_kb = max(r.rss_ready_kb for r in runs)
    return best


# --------------------------------------------------------------------------- reporting


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(headers, rows) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(
            "  ".join(
                str(c).rjust(w) if i else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=False))
            )
        )
    print(flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def print_runs(runs: dict[tuple[str, int], Run], labels: list[str], vips_cpu_ms: float | None):
    rows = []
    for label in labels:
        one, two = runs[(label, 1)], runs[(label, 2)]
        rows.append(
            [
                label,
                f"{one.rate:.2f}",
                f"{two.rate:.2f}",
                f"{two.rate / one.rate:.2f}",
                f"{one.cpu_ms:.0f}",
                f"{two.cpu_ms:.0f}",
                f"{one.cpu_ms / vips_cpu_ms:.2f}" if vips_cpu_ms else "-",
                ms(statistics.median(one.latencies)),
                ms(max(one.latencies)),
                mb(max(one.rss_ready_kb, two.rss_ready_kb)),
                mb(max(one.rss_peak_kb, two.rss_peak_kb)),
            ]
        )
    print_table(
        [
            "pipeline",
            "photos/s 1p",
            "photos/s 2p",
            "2p/1p",
            "CPU ms/photo 1p",
            "CPU 2p",
            "CPU / pyvips",
            "p50 ms 1p",
            "max ms 1p",
            "RSS ready MB",
            "peak RSS MB",
        ],
        rows,
    )


def print_split(run: Run) -> None:
    parts = {name: (wall / run.photos, cpu / run.photos) for name, (wall, cpu) in run.parts.items()}
    total_wall = sum(run.latencies) / run.photos
    total_cpu = run.cpu / run.photos
    render = parts.get("render", (0.0, 0.0))
    encode = parts.get("encode", (0.0, 0.0))
    store = parts.get("store", (0.0, 0.0))
    relocate = parts.get("relocate", (0.0, 0.0))
    rows = [
        ["decode + orient + sRGB + resize", ms(render[0] - encode[0]), ms(render[1] - encode[1])],
        ["encode (3 sizes x WebP + JPEG)", ms(encode[0]), ms(encode[1])],
        ["storage writes (6 files)", ms(store[0]), ms(store[1])],
        ["files where the listing says (check)", ms(relocate[0]), ms(relocate[1])],
        [
            "database, original read, Celery",
            ms(total_wall - render[0] - store[0] - relocate[0]),
            ms(total_cpu - render[1] - store[1] - relocate[1]),
        ],
        ["task total", ms(total_wall), ms(total_cpu)],
    ]
    print_table(["part", "wall ms", "CPU ms"], rows)


# --------------------------------------------------------------------------- experiments

LANCZOS = Image.Resampling.LANCZOS


@dataclass(frozen=True)
class Recipe:
    """A variation of photos.processing.render_variants (the same steps, with knobs)."""

    label: str
    webp: tuple  # Pillow save options, as (name, value) pairs
    jpeg: tuple
    resample: Image.Resampling = LANCZOS
    reducing_gap: float | None = 2.0
    # Sizes resized from the decoded image; the others from the size before (as now: cascade).
    from_decoded: tuple[str, ...] = ("large",)
    draft: bool = True  # JPEG DCT scaling to >= the largest size (as now)
    srgb_late: bool = False  # colour conversion on the first resized image, not the decoded one

    def with_(self, label: str, **changes) -> Recipe:
        return Recipe(**{**self.__dict__, "label": label, **changes})

    def webp_with(self, label: str, **options) -> Recipe:
        return self.with_(label, webp=tuple({**dict(self.webp), **options}.items()))


def render_recipe(content: bytes, wanted: set[str], recipe: Recipe, keep: list | None = None):
    """render_variants with the recipe's settings; returns (Rendered, CPU seconds per step).

    EXPERIMENT ONLY: a copy of photos.processing.render_variants' logic with knobs. With
    current_recipe() it must give the same bytes as render_variants (checked at run time).
    """
    from photos import processing, validation

    jpeg_formats = getattr(validation, "JPEG_FORMATS", ("JPEG",))
    cpu = {"encode": 0.0, "webp": 0.0, "jpeg": 0.0}
    image = Image.open(io.BytesIO(content), formats=validation.ALLOWED_FORMATS)
    taken = processing.capture_time(image)
    upright_width, upright_height = processing._upright_size(image)
    largest = max(processing.VARIANT_WIDTHS[name] for name in wanted)
    target = processing._scaled(upright_width, upright_height, largest)
    if recipe.draft and image.format in jpeg_formats:
        draft_size = target if image.size == (upright_width, upright_height) else target[::-1]
        image.draft("RGB", draft_size)
    image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    late = recipe.srgb_late and image.mode == "RGB" and "transparency" not in image.info
    if not late:
        image = processing._to_srgb(image)
    image.info = {}  # as render_variants: nothing carried over to the encoders
    decoded = image
    variants = []
    formats = (("webp", "WEBP", dict(recipe.webp)), ("jpeg", "JPEG", dict(recipe.jpeg)))
    for index, name in enumerate(sorted(wanted, key=processing.VARIANT_WIDTHS.get, reverse=True)):
        size = processing._scaled(upright_width, upright_height, processing.VARIANT_WIDTHS[name])
        fresh = index == 0 or name in recipe.from_decoded
        source = decoded if fresh else image
        resized = source.resize(size, recipe.resample, reducing_gap=recipe.reducing_gap)
        if late and profile and fresh:
            resized.info = {"icc_profile": profile}
            resized = processing._to_srgb(resized)  # RGB without a profile: nothing to do
            resized.info = {}
        image = resized
        if keep is not None:
            keep.append(resized)
        files = {}
        for key, pillow_format, options in formats:
            started = time.process_time()
            buffer = io.BytesIO()
            resized.save(buffer, pillow_format, **options)
            files[key] = buffer.getvalue()
            cpu[key] += time.process_time() - started
        variants.append(processing.Variant(name, size[0], size[1], files))
    cpu["encode"] = cpu["webp"] + cpu["jpeg"]
    return processing.Rendered(upright_width, upright_height, taken, variants), cpu


ALL_SIZES = ("large", "medium", "thumb")


def current_recipe() -> Recipe:
    """photos/processing.py as it is: FORMATS read from the module, LANCZOS, gap 2.0, cascade."""
    from photos.processing import FORMATS

    return Recipe(
        "current settings",
        webp=tuple(FORMATS["webp"][1].items()),
        jpeg=tuple(FORMATS["jpeg"][1].items()),
    )


def candidate_recipes() -> list[Recipe]:
    """Changes worth running through the real task, each adding to the one before."""
    current = current_recipe()
    quality = dict(current.jpeg).get("quality", 82)
    b = current.with_(
        "B: baseline JPEG + sRGB late",
        jpeg=(("quality", quality), ("optimize", True)),
        srgb_late=True,
    )
    c = b.with_("C: B + BICUBIC", resample=Image.Resampling.BICUBIC)
    d = c.with_(
        "D: C + medium from decoded, gap 1.0", from_decoded=("large", "medium"), reducing_gap=1.0
    )
    e = d.webp_with("E: D + WebP method 0", method=0)
    return [b, c, d, e]


def experiment_recipes() -> list[Recipe]:
    current = current_recipe()
    method = dict(current.webp).get("method", 4)
    quality = dict(current.jpeg).get("quality", 82)
    recipes = [current]
    recipes += [current.webp_with(f"WebP method {m}", method=m) for m in range(7) if m != method]
    recipes += [
        current.with_(
            "JPEG optimize, not progressive", jpeg=(("quality", quality), ("optimize", True))
        ),
        current.with_("JPEG neither", jpeg=(("quality", quality),)),
        current.with_("BICUBIC", resample=Image.Resampling.BICUBIC),
        current.with_("BILINEAR", resample=Image.Resampling.BILINEAR),
        current.with_("LANCZOS, reducing_gap None", reducing_gap=None),
        current.with_("LANCZOS, reducing_gap 1.0", reducing_gap=1.0),
        current.with_("LANCZOS, reducing_gap 3.0", reducing_gap=3.0),
        current.with_("no cascade (all from decoded)", from_decoded=ALL_SIZES),
        current.with_("no cascade, reducing_gap 1.0", from_decoded=ALL_SIZES, reducing_gap=1.0),
        current.with_(
            "medium from decoded, reducing_gap 1.0",
            from_decoded=("large", "medium"),
            reducing_gap=1.0,
        ),
        current.with_("no draft (full decode)", draft=False),
        current.with_("no draft, reducing_gap 1.0", draft=False, reducing_gap=1.0),
        current.with_("sRGB after first resize", srgb_late=True),
    ]
    recipes += candidate_recipes()
    recipes.append(current.with_("current settings (again: drift check)"))
    return recipes


def psnr(a: Image.Image, b: Image.Image) -> float:
    stat = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    mse = sum(rms * rms for rms in stat.rms) / len(stat.rms)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def references(specs: list[PhotoSpec]) -> dict[int, dict[tuple[int, int], Image.Image]]:
    """The ideal variants: full-size decode, sRGB, LANCZOS straight from full size, unencoded."""
    from photos import processing

    refs = {}
    for spec in specs:
        with Image.open(spec.path) as original:
            image = processing._to_srgb(ImageOps.exif_transpose(original))
        refs[spec.index] = {}
        for longest in WIDTHS:
            size = processing._scaled(*image.size, longest)
            refs[spec.index][size] = image.resize(size, LANCZOS)
    return refs


@dataclass
class Trial:
    label: str
    cpu: float = 0.0  # seconds, all photos
    decode_resize: float = 0.0
    webp: float = 0.0
    jpeg: float = 0.0
    photos: int = 0
    sizes: dict[str, list[int]] = field(default_factory=dict)  # "webp:1600" -> bytes
    psnr: dict[str, list[float]] = field(default_factory=dict)  # "resize" / "webp" / "jpeg"

    def note(self, key: str, value: float, into: dict) -> None:
        into.setdefault(key, []).append(value)


def score(trial: Trial, refs: dict, spec: PhotoSpec, variants, kept=None) -> None:
    """Bytes and PSNR (against the ideal variant) of one photo's outputs."""
    for index, (width, height, files) in enumerate(variants):
        reference = refs[spec.index].get((width, height))
        for key, content in files.items():
            trial.note(f"{key}:{max(width, height)}", len(content), trial.sizes)
            if reference is not None:
                decoded = Image.open(io.BytesIO(content))
                trial.note(key, psnr(decoded, reference), trial.psnr)
        if kept is not None and reference is not None:
            trial.note(f"resize:{max(width, height)}", psnr(kept[index], reference), trial.psnr)


def same_as_app(contents: list[bytes]) -> str:
    """Whether render_recipe(current_recipe()) still gives render_variants' bytes."""
    from photos.processing import VARIANT_WIDTHS, render_variants

    wanted = set(VARIANT_WIDTHS)
    for content in contents:
        app = render_variants(content, wanted)
        copy, _cpu = render_recipe(content, wanted, current_recipe())
        if app != copy:
            return "DIFFERS from render_variants: bench/photos.py's render_recipe needs updating"
    return f"same bytes as render_variants ({len(contents)} photos checked)"


def run_pillow_experiments(specs: list[PhotoSpec], repeat: int) -> tuple[list[Trial], str]:
    """Every recipe on every photo, interleaved (photo by photo), so load hits all alike."""
    from photos.processing import VARIANT_WIDTHS

    refs = references(specs)
    contents = {spec.index: spec.path.read_bytes() for spec in specs}
    faithful = same_as_app([contents[spec.index] for spec in specs[:3]])
    wanted = set(VARIANT_WIDTHS)
    recipes = experiment_recipes()
    trials = [Trial(recipe.label) for recipe in recipes]
    best: dict[tuple[int, int], tuple[float, dict]] = {}
    for round_ in range(repeat):  # per recipe and photo, the least disturbed of the repeats
        for spec in specs:
            for number, recipe in enumerate(recipes):
                kept: list[Image.Image] | None = [] if round_ == 0 else None
                started = time.process_time()
                rendered, cpu = render_recipe(contents[spec.index], wanted, recipe, keep=kept)
                total = time.process_time() - started
                key = (number, spec.index)
                if key not in best or total < best[key][0]:
                    best[key] = (total, cpu)
                if round_ == 0:  # the output does not change between repeats
                    outputs = [(v.width, v.height, v.files) for v in rendered.variants]
                    score(trials[number], refs, spec, outputs, kept)
    for (number, _index), (total, cpu) in best.items():
        trial = trials[number]
        trial.cpu += total
        trial.decode_resize += total - cpu["encode"]
        trial.webp += cpu["webp"]
        trial.jpeg += cpu["jpeg"]
        trial.photos += 1
    return trials, faithful


def run_vips_experiments(specs: list[PhotoSpec], repeat: int) -> tuple[list[Trial], dict]:
    os.environ["VIPS_CONCURRENCY"] = "1"
    import pyvips

    pyvips.cache_set_max(0)
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    vips_log = logging.getLogger("pyvips")
    vips_log.addHandler(Collect())
    vips_log.setLevel(logging.INFO)
    vips_log.propagate = False
    shrink = {}
    for longest in WIDTHS:  # what shrink-on-load libvips picks for each size
        messages.clear()
        pyvips.Image.thumbnail(str(specs[0].path), longest, height=longest).copy_memory()
        found = [m for m in messages if "pre-shrunk size" in m]
        shrink[longest] = found[-1].split("is", 1)[-1].strip() if found else "?"
    vips_log.setLevel(logging.WARNING)

    refs = references(specs)
    webp2 = {**VIPS_WEBP, "effort": 2}
    jpeg_baseline = {**VIPS_JPEG, "interlace": False}
    setups = [
        ("pyvips thumbnail x3 (the baseline)", {}),
        ("pyvips thumbnail x3, effort 2", {"webp": webp2}),
        ("pyvips one decode + cascade", {"cascade": True}),
        (
            "pyvips cascade, effort 2, baseline JPEG",
            {"cascade": True, "webp": webp2, "jpeg": jpeg_baseline},
        ),
    ]
    vips_variants(pyvips, small_jpeg())
    trials = [Trial(label) for label, _options in setups]
    best: dict[tuple[int, int], tuple[float, Timer]] = {}
    for round_ in range(repeat):  # interleaved, as the Pillow recipes
        for spec in specs:
            for number, (_label, options) in enumerate(setups):
                timer = Timer()
                started = time.process_time()
                outputs = vips_variants(pyvips, str(spec.path), timer=timer, **options)
                total = time.process_time() - started
                key = (number, spec.index)
                if key not in best or total < best[key][0]:
                    best[key] = (total, timer)
                if round_ == 0:
                    score(trials[number], refs, spec, outputs)
    for (number, _index), (total, timer) in best.items():
        trial = trials[number]
        trial.cpu += total
        trial.decode_resize += timer.parts["decode+resize"][1]
        trial.webp += timer.parts["webp"][1]
        trial.jpeg += timer.parts["jpeg"][1]
        trial.photos += 1
    return trials, shrink


def draft_sizes(spec: PhotoSpec) -> dict[int, str]:
    """The size Pillow's draft decodes at, for each largest wanted variant (as render_variants)."""
    from photos import processing

    out = {}
    for longest in WIDTHS:
        with Image.open(spec.path) as image:
            width, height = processing._upright_size(image)
            target = processing._scaled(width, height, longest)
            image.draft("RGB", target if image.size == (width, height) else target[::-1])
            out[longest] = f"{image.size[0]} x {image.size[1]} (1/{PHOTO_SIZE[0] // image.size[0]})"
    return out


def experiments(args, specs, runs, vips_label) -> None:
    subset = specs[: args.experiment_photos]
    log(
        f"experiments on {len(subset)} photos, best of {args.repeat} per photo, in one process "
        f"(load average {load()})"
    )
    trials, faithful = call_in_child(run_pillow_experiments, subset, args.repeat)
    vips_trials, shrink = ([], {})
    if vips_label:
        vips_trials, shrink = call_in_child(run_vips_experiments, subset, args.repeat)
    task_cpu_now = runs[("task (real code)", 1)].cpu_ms
    vips_run = runs.get(("pyvips thumbnail, 1 thread", 1))
    vips_cpu = vips_run.cpu_ms if vips_run else None
    current_cpu = trials[0].cpu / trials[0].photos * 1000

    draft = draft_sizes(subset[0])
    print("=== decoded size for each largest wanted variant, from a 4000 x 3000 JPEG")
    print_table(
        ["largest variant", "Pillow draft (render_variants)", "libvips shrink-on-load"],
        [[f"{w} px", draft[w], shrink.get(w, "-")] for w in WIDTHS],
    )
    print(
        "  Pillow decodes at the smallest 1/2^n scale that still covers the largest variant.\n"
        "  libvips keeps at least 2x for its own lanczos3 reduce, so it decodes the full 12 MP for\n"
        "  the 1600 px variant, and decodes the file again for each smaller size.\n"
    )

    rows = []
    for trial in trials + vips_trials:
        n = trial.photos
        cpu_ms = trial.cpu / n * 1000
        is_vips = trial.label.startswith("pyvips")
        task_cpu = task_cpu_now - (current_cpu - cpu_ms)
        est_rate = 2000 / task_cpu
        rows.append(
            [
                trial.label,
                f"{cpu_ms:.0f}",
                f"{trial.decode_resize / n * 1000:.0f}",
                f"{trial.webp / n * 1000:.0f}",
                f"{trial.jpeg / n * 1000:.0f}",
                "-" if is_vips else f"{task_cpu:.0f}",
                "-" if is_vips or not vips_cpu else f"{task_cpu / vips_cpu:.2f}",
                "-" if is_vips else f"{est_rate:.1f}",
                "/".join(f"{statistics.mean(trial.sizes[f'webp:{w}']) / 1000:.0f}" for w in WIDTHS),
                "/".join(f"{statistics.mean(trial.sizes[f'jpeg:{w}']) / 1000:.0f}" for w in WIDTHS),
                "/".join(f"{statistics.mean(trial.psnr[f'resize:{w}']):.1f}" for w in WIDTHS)
                if "resize:400" in trial.psnr
                else "-",
                f"{statistics.mean(trial.psnr['webp']):.2f}" if "webp" in trial.psnr else "-",
                f"{statistics.mean(trial.psnr['jpeg']):.2f}" if "jpeg" in trial.psnr else "-",
            ]
        )
    print(
        f"=== experiments: CPU ms per photo in one process, {len(subset)} photos "
        "(EXPERIMENTS: bench/photos.py's copy of render_variants with knobs; app code unchanged)"
    )
    print_table(
        [
            "recipe",
            "CPU ms",
            "decode+resize",
            "WebP enc",
            "JPEG enc",
            "est. task CPU",
            "est. task/pyvips",
            "ideal photos/s 2p",
            "WebP KB 1600/1000/400",
            "JPEG KB 1600/1000/400",
            "PSNR resize 1600/1000/400",
            "PSNR WebP",
            "PSNR JPEG",
        ],
        rows,
    )
    print(
        f"  est. task CPU = the task's measured CPU per photo ({task_cpu_now:.0f} ms, 1 process) minus\n"
        "  what the recipe saves against 'current settings' here (this loop runs hotter: the same\n"
        "  photo through every recipe). est. task/pyvips = that / pyvips' measured CPU per photo\n"
        f"  ({vips_cpu or 0:.0f} ms, 1 thread). ideal photos/s 2p = 2000 / est. task CPU: two free\n"
        "  cores, perfect scaling. The candidates below are then measured through the real task.\n"
        "  PSNR (dB, mean over photos and sizes) against the ideal variant: full-size decode,\n"
        "  LANCZOS straight from 4000 x 3000, not encoded. 'resize' = before encoding; WebP/JPEG =\n"
        "  the encoded files as served. Higher is better. The photos' sensor noise dominates the\n"
        "  encoded PSNR; file size at equal PSNR shows the encoder's efficiency.\n"
        f"  The recipe 'current settings': {faithful}.\n"
    )


def candidate_runs(args, specs, ids, vips_cpu_ms) -> None:
    log(f"candidates through the real task (load average {load()})")
    runs = {}
    candidates = candidate_recipes()
    for recipe in candidates:
        job = TaskJob(recipe)
        for procs in (1, 2):
            repeats = []
            for _ in range(args.repeat):
                call_in_child(reset_photos, args, ids)
                repeats.append(measure(job, ids, procs))
            runs[(job.label, procs)] = best_of(repeats)
            log(f"  {job.label}, {procs}p: {runs[(job.label, procs)].rate:.2f} photos/s")
        summary = call_in_child(verify_outputs, ids, specs)
        log(f"  outputs verified: {summary['files']} files, no EXIF, upright")
    print(f"=== candidates through the real task ({len(ids)} photos; best of {args.repeat})")
    labels = [TaskJob(r).label for r in candidates]
    print_runs(runs, labels, vips_cpu_ms)
    rows = []
    for label in labels:
        two = runs[(label, 2)]
        one = runs[(label, 1)]
        rss = max(one.rss_peak_kb, two.rss_peak_kb) / 1024
        ratio = one.cpu_ms / vips_cpu_ms if vips_cpu_ms else None
        rows.append(
            [
                label,
                f"{two.rate:.2f} {verdict(two.rate >= GOALS['rate'])}",
                f"{ratio:.2f} {verdict(ratio <= GOALS['cpu'])}" if ratio else "-",
                f"{rss:.0f} {verdict(rss < GOALS['rss_mb'])}",
            ]
        )
    print_table(
        [
            "candidate",
            f"photos/s 2p >= {GOALS['rate']:.0f}",
            f"CPU / pyvips <= {GOALS['cpu']}",
            f"peak RSS MB < {GOALS['rss_mb']:.0f}",
        ],
        rows,
    )


# --------------------------------------------------------------------------- main


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--photos", type=int, default=24, help="12 MP photos to process (default 24)")
    p.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"cached photos, media folders, SQLite file (default {DEFAULT_WORKDIR})",
    )
    p.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL (created if missing) or sqlite:///path (default %(default)s)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="measure each pipeline this many times and keep the fastest (default 2)",
    )
    p.add_argument(
        "--no-baselines",
        action="store_true",
        help="measure only the task and pyvips (skip render-only and plain Pillow)",
    )
    p.add_argument(
        "--experiments",
        action="store_true",
        help="also time variations of the pipeline and run the candidates through the task",
    )
    p.add_argument(
        "--experiment-photos",
        type=int,
        default=8,
        help="photos used by the experiments table (default 8)",
    )
    args = p.parse_args(argv)
    args.workdir = args.workdir.resolve()
    if args.photos < 2:
        p.error("--photos must be at least 2")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    specs = ensure_photos(args.workdir, args.photos)
    args.database_url = choose_database(args)
    setup_django(args)

    from django.conf import settings
    from django.db import connection

    from photos.processing import FORMATS, VARIANT_WIDTHS

    assert tuple(sorted(VARIANT_WIDTHS.values(), reverse=True)) == WIDTHS, VARIANT_WIDTHS
    sizes = [s.path.stat().st_size for s in specs]
    log(
        f"{len(specs)} photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]}, {min(sizes) / 1e6:.1f}-"
        f"{max(sizes) / 1e6:.1f} MB (mean {statistics.mean(sizes) / 1e6:.1f}); "
        f"{sum(s.sideways for s in specs)} with EXIF orientation 6, "
        f"{sum(s.icc for s in specs)} with an ICC profile"
    )
    ids = call_in_child(prepare_rows, args, specs)
    log(
        f"{len(ids)} ListingPhoto rows added with photo_add, pending; database "
        f"{connection.vendor} {connection.settings_dict['NAME']}"
    )
    log(f"variants {VARIANT_WIDTHS}, formats {FORMATS}")
    vips_label = pyvips_available()
    log(f"{vips_label or 'pyvips not installed: no libvips baseline'}; {os.cpu_count()} CPUs")
    with open("/proc/self/status") as status:
        parent_rss = next(line.split()[1] for line in status if line.startswith("VmRSS"))
    log(
        f"parent (Django set up, tasks imported) RSS {int(parent_rss) / 1024:.0f} MB; workers are "
        f"forked from it, as Celery's prefork pool is; DEBUG {settings.DEBUG}"
    )

    jobs: list[Job] = [TaskJob()]
    if not args.no_baselines:
        jobs += [RenderJob(), PlainPillowJob()]
    if vips_label:
        jobs += [VipsJob(1), VipsJob(None)]
    runs: dict[tuple[str, int], Run] = {}
    repeats: dict[tuple[str, int], list[Run]] = {}
    busy = os.getloadavg()[0]
    if busy > 0.5:
        log(
            f"WARNING: load average {busy:.2f} before measuring: other processes share the "
            f"{os.cpu_count()} CPUs, so photos/s on 2 processes will read low"
        )
    log(f"measuring {len(jobs)} pipelines on 1 and 2 processes, {args.repeat}x each")
    for round_ in range(args.repeat):
        for job in jobs:
            items = ids if isinstance(job, TaskJob) else specs
            for procs in (1, 2):
                if isinstance(job, TaskJob):
                    call_in_child(reset_photos, args, ids)
                run = measure(job, items, procs)
                repeats.setdefault((job.label, procs), []).append(run)
                log(
                    f"  round {round_ + 1}, {job.label}, {procs}p: {run.rate:.2f} photos/s, "
                    f"CPU {run.cpu_ms:.0f} ms/photo, peak RSS {mb(run.rss_peak_kb)} MB "
                    f"(load average {load()})"
                )
                if isinstance(job, TaskJob):
                    summary = call_in_child(verify_outputs, ids, specs)
        log(
            f"  round {round_ + 1}: task outputs verified ({summary['files']} files: ready, "
            "3 sizes x WebP + JPEG, upright, no EXIF, no ICC)"
        )
    for key, runs_of_key in repeats.items():
        runs[key] = best_of(runs_of_key)

    vips_key = ("pyvips thumbnail, 1 thread", 1)
    vips_cpu_ms = runs[vips_key].cpu_ms if vips_key in runs else None
    task1, task2 = runs[("task (real code)", 1)], runs[("task (real code)", 2)]

    print(
        f"\n=== photos through each pipeline: {len(specs)} photos of 12 MP -> 1600/1000/400 px, "
        f"WebP + JPEG each; best of {args.repeat}"
    )
    print_runs(runs, [job.label for job in jobs], vips_cpu_ms)
    print(
        "  photos/s = photos / wall clock from the start signal to the last worker's end; CPU =\n"
        "  user + sys of the workers (all their threads) per photo; CPU / pyvips against the\n"
        "  1-thread pyvips run; RSS ready = after set-up and warm-up; peak RSS = ru_maxrss, the\n"
        "  largest worker, either run (includes pages shared with the parent, as `ps` shows).\n"
        "  task = process_photo.run(label, id): row lock, private-storage read, render_variants,\n"
        "  six private-storage writes (the listing is a draft), row update, the check that the\n"
        f"  files are where the listing's status says ({connection.vendor}, FileSystemStorage). Baselines read\n"
        "  the file and encode in memory. pyvips: thumbnail per size (shrink-on-load, lanczos3),\n"
        "  copy_memory, webpsave Q78 effort 4, jpegsave Q82 optimize_coding interlace, keep none.\n"
    )
    print("=== where the task's time goes (1 process, mean per photo)")
    print_split(task1)
    mean_sizes = summary["sizes"]
    print(
        "  task output mean KB per variant: "
        + ", ".join(
            f"{name} {mean_sizes[f'{name}.webp'] / 1000:.0f} WebP / "
            f"{mean_sizes[f'{name}.jpeg'] / 1000:.0f} JPEG"
            for name in sorted(VARIANT_WIDTHS, key=VARIANT_WIDTHS.get, reverse=True)
        )
        + "\n"
    )

    rss = max(task1.rss_peak_kb, task2.rss_peak_kb) / 1024
    ratio = task1.cpu_ms / vips_cpu_ms if vips_cpu_ms else None
    goals = [
        [
            "photos/s, task, 2 processes",
            f">= {GOALS['rate']:.0f}",
            f"{task2.rate:.2f}",
            verdict(task2.rate >= GOALS["rate"]),
        ],
        [
            "task CPU / pyvips CPU per photo (1 thread)",
            f"<= {GOALS['cpu']}",
            f"{ratio:.2f}" if ratio else "-",
            verdict(ratio <= GOALS["cpu"]) if ratio else "n/a",
        ],
        [
            "peak RSS per worker, task",
            f"< {GOALS['rss_mb']:.0f} MB",
            f"{rss:.0f} MB",
            verdict(rss < GOALS["rss_mb"]),
        ],
    ]
    print("=== goals")
    print_table(["goal", "target", "measured", "result"], goals)

    if args.experiments:
        experiments(args, specs, runs, vips_label)
        candidate_runs(args, specs, ids, vips_cpu_ms)
    log(f"total run time {time.perf_counter() - started:.0f}s (load average {load()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
