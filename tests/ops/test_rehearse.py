"""The rehearsal's own judgement (ops/rehearse.py): what counts as a fault's, memory growth,
and when a restarted worker may be killed again."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rehearse():
    spec = importlib.util.spec_from_file_location("rehearse", ROOT / "ops" / "rehearse.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


KILL = [("kill -9 gunicorn worker", 100.0, 100.5)]


def test_a_request_in_flight_when_the_worker_was_killed_is_the_faults(rehearse):
    # Began 20 s before the kill and ended 15 s after its grace: it waited on the dead worker.
    assert rehearse.in_fault(ended=125.0, millis=45_000, faults=KILL)


def test_requests_wholly_before_or_after_a_fault_are_outside_it(rehearse):
    assert not rehearse.in_fault(ended=98.0, millis=500, faults=KILL)
    assert not rehearse.in_fault(ended=112.0, millis=500, faults=KILL)
    assert rehearse.in_fault(ended=109.0, millis=100, faults=KILL)  # within the 10 s grace


def test_memory_growth_reads_a_steady_leak(rehearse):
    samples = [100_000 + 1_000 * second for second in range(100)]
    assert rehearse.memory_growth(samples) == pytest.approx(26.8, abs=0.1)


def test_memory_growth_ignores_a_few_samples_taken_mid_photo(rehearse):
    samples = [300_000] * 100
    for moment in (95, 97, 99):  # a pool process decoding a 12-megapixel photo
        samples[moment] = 500_000
    assert rehearse.memory_growth(samples) == 0


def test_a_worker_is_ready_only_once_its_log_says_so_after_its_last_start(rehearse, tmp_path):
    shape = rehearse.Shape(run=tmp_path, env={})
    log = tmp_path / "worker-photos.log"
    log.write_bytes(b"[...] worker-photos@vm ready.\n")  # an earlier life's line
    shape.log_offsets["worker-photos"] = log.stat().st_size
    assert shape.seconds_ready("worker-photos") == 0
    with log.open("ab") as file:
        file.write(b"[...] worker-photos@vm ready.\n")
    assert 0 <= shape.seconds_ready("worker-photos") < 1
    assert "worker-photos" in shape.ready_at
