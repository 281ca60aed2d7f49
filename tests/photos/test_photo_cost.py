"""What one accepted photo may cost, measured by bench/photo_cost.py in fresh processes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEAK_MB = 256  # the whole process, Django and the file included


def photo_cost(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own script, our own arguments)
        [sys.executable, "bench/photo_cost.py", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_benchmark_runs_every_format_on_tiny_files():
    finished = photo_cost("--smoke")

    assert finished.returncode == 0, finished.stdout + finished.stderr
    for case in ("jpeg-cmyk-progressive", "png-rgba16", "png-palette-trns", "webp-lossy-alpha"):
        assert case in finished.stdout
    assert "ERROR" not in finished.stdout


@pytest.mark.parametrize("case", ["png-rgba16", "webp-lossless-rgba"])
def test_the_worst_accepted_file_renders_within_the_memory_bound(tmp_path, case):
    # The largest RGBA PNG and WebP the checks accept: a 30 MP PNG is 233 KB, and took 545 MB
    # (at 40 MP) before it was shrunk band by band; a WebP took 663 MB, and its check 663 MB.
    finished = photo_cost("--only", case, "--json", "--workdir", str(tmp_path))

    assert finished.returncode == 0, finished.stderr
    result = json.loads(finished.stdout)["results"][0]
    assert result["check"]["outcome"] == "ok"
    assert result["render"]["outcome"].startswith("ok large=")
    assert result["render"]["peak_mb"] < PEAK_MB, result
    # The web process never decodes a PNG or a WebP whole.
    assert result["check"]["peak_mb"] - result["check"]["start_mb"] < 20, result
