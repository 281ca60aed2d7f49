#!/usr/bin/env python
"""The worst cost of one accepted photo: CPU and peak memory of the checks and of the rendering.

For each format the upload checks allow (JPEG baseline, progressive and CMYK; PNG in RGBA,
16 bits, grey, palette with transparency; WebP lossy, lossless and with alpha; HEIC with and
without alpha), the script builds a file at the most pixels the checks accept for it, small on
disk where the format allows (a flat picture deflates to almost nothing: a 40-megapixel RGBA
PNG is 170 KB), and measures in a fresh process forked from a parent that has Django set up, as
a web worker or a Celery prefork worker is:

* check:  photos.validation.check_image_upload, what the web process does on upload;
* render: photos.processing.render_variants for every variant, what the Celery worker does;

each as CPU seconds (user + system, threads included) and peak RSS (ru_maxrss), beside an
empty child that only reads the file (the baseline). The goals: every accepted file under
256 MB of peak RSS and 1.5 s of CPU in each step.

    .venv/bin/python bench/photo_cost.py              # ~1 minute; the files are cached
    .venv/bin/python bench/photo_cost.py --pixels 40000000 --only png-rgba8,heic-rgb
    .venv/bin/python bench/photo_cost.py --smoke      # tiny files, checks it all still runs

The files are cached in --workdir (default /tmp/walkup_bench_photo_cost; the HEIC ones take
~15 s each to encode). No database is used and nothing else is written to.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import multiprocessing
import os
import resource
import struct
import sys
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "walkup_bench_photo_cost"
SMOKE_PIXELS = 300_000
GOALS = {"peak_mb": 256.0, "cpu_s": 1.5}
CTX = multiprocessing.get_context("fork")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the files


def dimensions(pixels: int) -> tuple[int, int]:
    """A 4:3 landscape of at most `pixels`, as close to it as whole pixels allow."""
    width = math.isqrt(pixels * 4 // 3)
    return width, pixels // width


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_flat(width: int, height: int, *, colour_type: int, bit_depth: int, extra=()) -> bytes:
    """A valid PNG of zero samples written by hand: deflating the rows directly is much faster
    than Pillow at 40 megapixels, and the file is as small as PNG gets (about 1/1000)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = b"\0" * (1 + (width * channels * bit_depth + 7) // 8)  # filter byte 0, then samples
    deflate = zlib.compressobj(9)
    block = 256
    data = b"".join(
        deflate.compress(row * min(block, height - start)) for start in range(0, height, block)
    )
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + b"".join(_png_chunk(kind, body) for kind, body in extra)
        + _png_chunk(b"IDAT", data + deflate.flush())
        + _png_chunk(b"IEND", b"")
    )


def _pillow(mode: str, colour, image_format: str, **options) -> Callable[[int, int], bytes]:
    def build(width: int, height: int) -> bytes:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new(mode, (width, height), colour).save(buffer, image_format, **options)
        return buffer.getvalue()

    return build


def jpeg_dense(width: int, height: int, *, progressive: bool = True) -> bytes:
    """A 4:4:4 JPEG as full of scan data as PHOTO_MAX_BYTES allows: noise over the share of
    the picture that fits, the most entropy decoding one accepted file can ask."""
    from django.conf import settings
    from PIL import Image, ImageFile

    budget = settings.PHOTO_MAX_BYTES * 0.9
    share, content = 1.0, b""
    for _attempt in range(4):
        band = max(8, min(height, int(height * share)))
        image = Image.new("RGB", (width, height), "steelblue")
        image.paste(Image.frombytes("RGB", (width, band), os.urandom(width * band * 3)))
        buffer = io.BytesIO()
        # libjpeg's progressive encoder keeps the whole output in one buffer; noise needs more
        # than the byte a pixel Pillow guesses.
        ImageFile.MAXBLOCK = max(ImageFile.MAXBLOCK, width * height * 4)
        image.save(buffer, "JPEG", quality=90, progressive=progressive, subsampling=0)
        content = buffer.getvalue()
        if len(content) <= budget and (share >= 1.0 or len(content) > budget * 0.8):
            break
        share = min(1.0, share * budget / len(content) * 0.95)
    return content


def _heif(mode: str, colour) -> Callable[[int, int], bytes]:
    def build(width: int, height: int) -> bytes:
        from PIL import Image
        from pillow_heif import register_heif_opener

        register_heif_opener()
        buffer = io.BytesIO()
        Image.new(mode, (width, height), colour).save(buffer, "HEIF", quality=50)
        return buffer.getvalue()

    return build


@dataclass(frozen=True)
class Case:
    name: str
    image_format: str  # as the checks name it: JPEG, PNG, WEBP, HEIF
    what: str
    build: Callable[[int, int], bytes]
    kind: str = ""  # the checks' pixel limit that applies, when not the format's own


PLTE = (b"PLTE", bytes(range(256)) * 3)
CASES = [
    Case("jpeg-baseline", "JPEG", "RGB 4:2:0, flat", _pillow("RGB", "steelblue", "JPEG")),
    Case(
        "jpeg-dense-baseline",
        "JPEG",
        "baseline 4:4:4, noise to the byte limit",
        lambda w, h: jpeg_dense(w, h, progressive=False),
    ),
    Case(
        "jpeg-dense",
        "JPEG",
        "progressive 4:4:4, noise to the byte limit",
        jpeg_dense,
        kind="JPEG_MULTISCAN",
    ),
    Case(
        "jpeg-cmyk-progressive",
        "JPEG",
        "CMYK progressive, flat",
        _pillow("CMYK", (10, 20, 30, 40), "JPEG", progressive=True),
        kind="JPEG_MULTISCAN",
    ),
    Case(
        "png-rgba8",
        "PNG",
        "RGBA 8 bits, zeros",
        lambda w, h: png_flat(w, h, colour_type=6, bit_depth=8),
    ),
    Case(
        "png-rgba16",
        "PNG",
        "RGBA 16 bits, zeros",
        lambda w, h: png_flat(w, h, colour_type=6, bit_depth=16),
    ),
    Case(
        "png-rgb16",
        "PNG",
        "RGB 16 bits, zeros",
        lambda w, h: png_flat(w, h, colour_type=2, bit_depth=16),
    ),
    Case(
        "png-grey16",
        "PNG",
        "grey 16 bits, zeros",
        lambda w, h: png_flat(w, h, colour_type=0, bit_depth=16),
    ),
    Case(
        "png-grey-alpha",
        "PNG",
        "grey + alpha 8 bits, zeros",
        lambda w, h: png_flat(w, h, colour_type=4, bit_depth=8),
    ),
    Case(
        "png-palette-trns",
        "PNG",
        "palette with transparency",
        lambda w, h: png_flat(
            w, h, colour_type=3, bit_depth=8, extra=[PLTE, (b"tRNS", bytes(range(256)))]
        ),
    ),
    Case(
        "png-1bit-trns",
        "PNG",
        "1-bit grey with a transparent colour",
        lambda w, h: png_flat(w, h, colour_type=0, bit_depth=1, extra=[(b"tRNS", b"\0\0")]),
    ),
    Case("webp-lossy", "WEBP", "lossy RGB, flat", _pillow("RGB", "steelblue", "WEBP", quality=80)),
    Case(
        "webp-lossy-alpha",
        "WEBP",
        "lossy with alpha, flat",
        _pillow("RGBA", (70, 130, 180, 128), "WEBP", quality=80),
    ),
    Case(
        "webp-lossless-rgba",
        "WEBP",
        "lossless RGBA, flat",
        _pillow("RGBA", (70, 130, 180, 128), "WEBP", lossless=True),
    ),
    Case("heic-rgb", "HEIF", "8-bit RGB, flat", _heif("RGB", "steelblue")),
    Case(
        "heic-rgba",
        "HEIF",
        "8-bit RGB with alpha, flat",
        _heif("RGBA", (70, 130, 180, 128)),
        kind="HEIF_ALPHA",
    ),
]


def pixel_limit(case: Case) -> int:
    """The most pixels the checks accept for this case's format."""
    from photos import validation

    return validation.max_pixels_for(case.kind or case.image_format)


def _build(case_name: str, width: int, height: int, path: Path) -> None:
    case = next(case for case in CASES if case.name == case_name)
    started = time.perf_counter()
    content = case.build(width, height)
    partial = path.with_suffix(".part")
    partial.write_bytes(content)
    partial.rename(path)
    log(
        f"  built {path.name}: {len(content) / 1000:,.0f} KB in "
        f"{time.perf_counter() - started:.1f}s"
    )


def ensure_file(case: Case, pixels: int, workdir: Path) -> Path:
    """Build the file once (in a child: the parent must stay as lean as a fresh worker)."""
    width, height = dimensions(pixels)
    path = workdir / f"{case.name}-{width}x{height}.bin"
    if not path.exists():
        process = CTX.Process(target=_build, args=(case.name, width, height, path))
        process.start()
        process.join()
        if process.exitcode:
            raise RuntimeError(f"building {path.name} failed")
    return path


# --------------------------------------------------------------------------- measuring


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _child(step: str, path: str, connection) -> None:
    try:
        from django.core.exceptions import ValidationError
        from django.core.files.uploadedfile import SimpleUploadedFile

        from photos.processing import VARIANT_WIDTHS, render_variants
        from photos.validation import check_image_upload

        content = Path(path).read_bytes()
        start_mb = _maxrss_mb()
        started = time.process_time()
        outcome = "ok"
        if step == "check":
            try:
                check_image_upload(SimpleUploadedFile("upload.bin", content))
            except ValidationError as error:
                outcome = "refused: " + " ".join(error.messages)
        elif step == "render":
            rendered = render_variants(content, set(VARIANT_WIDTHS))
            outcome = "ok " + " ".join(
                f"{variant.name}={variant.width}x{variant.height}" for variant in rendered.variants
            )
        cpu = time.process_time() - started
        connection.send(
            {"cpu_s": cpu, "peak_mb": _maxrss_mb(), "start_mb": start_mb, "outcome": outcome}
        )
    except BaseException:
        connection.send({"error": traceback.format_exc()})
    finally:
        connection.close()


def measure(step: str, path: Path) -> dict:
    """Run one step on one file in a fresh process forked from this lean parent."""
    receiving, sending = CTX.Pipe(duplex=False)
    process = CTX.Process(target=_child, args=(step, str(path), sending))
    process.start()
    sending.close()
    try:
        result = receiving.recv()
    except EOFError:
        result = {"error": "the child died without an answer"}
    process.join()
    if process.exitcode and "error" not in result:
        result = {"error": f"exit code {process.exitcode}"}
    return result


# --------------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument(
        "--pixels", type=int, help="build every file at this many pixels, not at the limit"
    )
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument(
        "--steps", default="check,render", help="comma-separated steps: check, render"
    )
    parser.add_argument(
        "--smoke", action="store_true", help=f"tiny files ({SMOKE_PIXELS:,} pixels), no goals"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    return parser.parse_args(argv)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    # What the web process and the worker have imported before any upload comes.
    import photos.processing
    import photos.validation  # noqa: F401


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    cases = CASES
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {case.name for case in CASES}
        if unknown:
            print(f"unknown cases: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        cases = [case for case in CASES if case.name in wanted]
    steps = [step for step in args.steps.split(",") if step]
    workdir = args.workdir
    if args.smoke:
        workdir = Path(tempfile.mkdtemp(prefix="walkup_photo_cost_smoke_"))
    workdir.mkdir(parents=True, exist_ok=True)

    quiet = args.json
    if not quiet:
        log(f"building files in {workdir}")
    files = {}
    for case in cases:
        pixels = SMOKE_PIXELS if args.smoke else args.pixels or pixel_limit(case)
        files[case.name] = (pixels, ensure_file(case, pixels, workdir))

    baseline = measure("baseline", next(iter(files.values()))[1])
    results = []
    failed = False
    for case in cases:
        pixels, path = files[case.name]
        row = {
            "case": case.name,
            "format": case.image_format,
            "what": case.what,
            "size": "x".join(map(str, dimensions(pixels))),
            "pixels": pixels,
            "file_kb": path.stat().st_size / 1000,
        }
        accepted = True
        for step in steps:
            if step == "render" and not accepted:
                row[step] = {"outcome": "skipped: refused by the checks"}
                continue
            result = measure(step, path)
            if "error" in result:
                failed = True
            elif step == "check" and result["outcome"] != "ok":
                accepted = False
            row[step] = result
        results.append(row)

    if args.json:
        print(json.dumps({"baseline": baseline, "results": results}, indent=1))
    else:
        report(baseline, results, steps, judge=not args.smoke)
    if args.smoke:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    return 1 if failed else 0


def report(baseline: dict, results: list[dict], steps: list[str], *, judge: bool) -> None:
    print()
    print(f"baseline (a child that only reads a file): peak RSS {baseline['peak_mb']:.0f} MB")
    header = f"{'case':22} {'size':>12} {'MP':>5} {'file KB':>8}"
    for step in steps:
        header += f" | {step + ' CPU s':>12} {'peak MB':>8} {'+MB':>6}"
    print(header + " | outcome")
    worst = {step: {"cpu_s": (0.0, ""), "peak_mb": (0.0, "")} for step in steps}
    for row in results:
        line = (
            f"{row['case']:22} {row['size']:>12} {row['pixels'] / 1e6:5.1f} {row['file_kb']:8,.0f}"
        )
        outcomes = []
        for step in steps:
            result = row.get(step, {})
            if "error" in result:
                line += f" | {'ERROR':>12} {'':>8} {'':>6}"
                outcomes.append(f"{step}: {result['error'].strip().splitlines()[-1]}")
            elif "cpu_s" in result:
                growth = result["peak_mb"] - baseline["peak_mb"]
                line += f" | {result['cpu_s']:12.2f} {result['peak_mb']:8.0f} {growth:6.0f}"
                outcomes.append(result["outcome"] if step == "check" else "")
                accepted = row.get("check", {}).get("outcome", "ok") == "ok"
                if accepted:
                    for key in ("cpu_s", "peak_mb"):
                        if result[key] > worst[step][key][0]:
                            worst[step][key] = (result[key], row["case"])
            else:
                line += f" | {'-':>12} {'':>8} {'':>6}"
        print(line + " | " + "; ".join(o for o in outcomes if o))
    if not judge:
        return
    print()
    print("worst accepted file, and the goals (peak RSS of the whole process):")
    for step in steps:
        cpu, cpu_case = worst[step]["cpu_s"]
        peak, peak_case = worst[step]["peak_mb"]
        cpu_ok = "PASS" if cpu < GOALS["cpu_s"] else "MISS"
        peak_ok = "PASS" if peak < GOALS["peak_mb"] else "MISS"
        print(
            f"  {step:7} CPU {cpu:5.2f} s ({cpu_case}) < {GOALS['cpu_s']} s: {cpu_ok}; "
            f"peak {peak:4.0f} MB ({peak_case}) < {GOALS['peak_mb']:.0f} MB: {peak_ok}"
        )


if __name__ == "__main__":
    sys.exit(main())
