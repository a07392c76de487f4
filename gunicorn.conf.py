"""gunicorn's settings for production: `gunicorn -c gunicorn.conf.py` from the repository root.

Every value can be changed from the environment; trust in forwarded headers follows the app's
own TRUSTED_PROXY_COUNT, so gunicorn and the app agree on who the client is.
"""
import os
from pathlib import Path

from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter

from core.config import load_settings

settings = load_settings()  # the app's own settings: a wrong value stops the start here, named

wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# Sync workers, one request at a time each, behind a load balancer that buffers slow clients.
# 2 x cores + 1 (gunicorn's advice), at most 8, so that with DB_POOL_SIZE + DB_MAX_OVERFLOW = 6
# the web tier opens at most 48 of PostgreSQL's 100 connections. WEB_CONCURRENCY overrides.
_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * _cores + 1, 8))
# Threads > 1 switch to gthread workers; keep DB_POOL_SIZE at least this.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a worker silent this long is killed and replaced
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))  # to finish requests on a restart
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A fresh worker every few thousand requests bounds what a slow leak can grow to; jitter keeps the
# workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10

# Forwarded headers: with TRUSTED_PROXY_COUNT = 0 nothing a peer sends about the client is believed;
# otherwise gunicorn takes X-Forwarded-Proto from any peer (only the load balancer can reach us) and
# the app's ProxyFix picks the client's address that many hops from the right of X-Forwarded-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or ("*" if settings.TRUSTED_PROXY_COUNT else "")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}  # the one the load balancer sets, as ProxyFix reads
forwarder_headers = ""  # no SCRIPT_NAME or PATH_INFO from outside

loglevel = settings.LOG_LEVEL.lower()
errorlog = "-"
accesslog = "-"


class JsonAccessLogger(glogging.Logger):
    """The access log as one JSON object a line, with the fields of the app's own JSON logs."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.access_log.handlers:
            handler.setFormatter(JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            ))

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info("request", extra={
            "remote_addr": atoms["h"],  # the client's, once ProxyFix has read X-Forwarded-For
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"] or None,
            "status": int(str(atoms["s"]).split()[0]),
            "bytes": atoms["B"],
            "duration_ms": round(atoms["D"] / 1000, 2),
            "user_agent": atoms["a"],
            "request_id": atoms.get("{x-request-id}o"),
        })


logger_class = JsonAccessLogger


# /metrics under several workers: with PROMETHEUS_MULTIPROC_DIR set, each worker writes its counts to
# files there and a scrape adds them up (core/metrics.py). Files left by an earlier run would be
# counted again, so the directory starts empty; a dead worker's live gauges are dropped.
def on_starting(server):
    directory = settings.PROMETHEUS_MULTIPROC_DIR
    if directory:
        for leftover in Path(directory).glob("*.db"):
            leftover.unlink()
    elif workers > 1:
        server.log.warning("PROMETHEUS_MULTIPROC_DIR is not set: each scrape of /metrics sees one worker's counts")


def child_exit(server, worker):
    if settings.PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, settings.PROMETHEUS_MULTIPROC_DIR)
