"""gunicorn's settings, every one from the environment (docs/deploy.md lists them).

gunicorn marketplace.wsgi   # reads this file from the working directory
"""

import os
import shutil

from prometheus_client import multiprocess


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two processes a core is the usual start; threads let a process wait on the database or S3
# for one request while it answers another.
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
# A process is replaced after this many requests (a slow leak stays bounded); the jitter keeps
# the processes from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# A request still running after this is killed and its process replaced; nginx gives up first.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Django is loaded once in the master, so a new process starts in milliseconds.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# The access log is the app's own JSON line per request (marketplace.observability).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "walkup-web")
# Bigger than nginx's client_max_body_size would be pointless; these bound the headers.
limit_request_line = 8190
limit_request_fields = 100


def on_starting(server):
    """Metrics of all processes are shared through files (prometheus_client's multiprocess
    mode): start each run with an empty folder, or dead processes' counters would add up."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.environ.get("GUNICORN_CLEAR_METRICS", "1") == "1":
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
