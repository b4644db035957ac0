# gunicorn settings for amtsweg: `gunicorn -c config/gunicorn.conf.py wsgi:app`.
# Every value can be overridden with the environment variable named in it.
import gc
import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: requests are short; uploads are buffered by nginx, so a slow client never holds one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so that a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# nginx on the same host is the only proxy whose X-Forwarded-* headers count (AMTSWEG_PROXY_COUNT=1).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes structured logs itself; gunicorn's access log would only repeat them.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Loading the app before forking shares its memory and fails fast on a bad configuration.
preload_app = True

# /metrics sums the request counters of all workers through files in this folder.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _metrics_dir:
        # Counters of an earlier run must not be added to this one's.
        shutil.rmtree(_metrics_dir, ignore_errors=True)
        Path(_metrics_dir).mkdir(parents=True, exist_ok=True)


def when_ready(server):
    # Workers are forked from this process: what it compiles and parses here, each of them has from
    # its first request on (also a worker that replaces another after max_requests).
    from amtsweg import warm_up

    warm_up(server.app.wsgi())
    # Everything loaded so far lives as long as the workers: kept out of the garbage collector's
    # scans, a worker's first collection neither walks nor copies the memory it shares with this one.
    gc.freeze()


def post_fork(server, worker):
    # Connections opened while preloading belong to the master; each worker opens its own.
    from amtsweg.extensions import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
