"""gunicorn.conf.py takes every setting from the environment."""

import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_the_defaults_bound_requests_and_restart_processes_with_jitter(monkeypatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)

    conf = runpy.run_path(str(CONF))

    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["workers"] >= 2
    assert conf["worker_class"] == "gthread"
    assert conf["max_requests"] > 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert 0 < conf["timeout"] <= 60
    assert conf["accesslog"] is None  # the app's own JSON line per request


def test_the_environment_sets_workers_threads_and_limits(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "500")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS_JITTER", "50")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "20")

    conf = runpy.run_path(str(CONF))

    assert (conf["bind"], conf["workers"], conf["threads"]) == ("0.0.0.0:9000", 5, 1)
    assert conf["worker_class"] == "sync"
    assert (conf["max_requests"], conf["max_requests_jitter"], conf["timeout"]) == (500, 50, 20)


def test_a_dead_process_is_removed_from_the_shared_metrics(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    conf = runpy.run_path(str(CONF))

    class Worker:
        pid = 4242

    conf["child_exit"](None, Worker())

    assert not (tmp_path / "gauge_livesum_4242.db").exists()
