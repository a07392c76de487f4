"""Prometheus metrics and GET /metrics: requests and latency by route, the job queues, calls to other
services (Stripe) and webhook lag.

Who may read /metrics: with METRICS_TOKEN set, whoever sends `Authorization: Bearer <token>`; without
it, direct loopback connections (no X-Forwarded-For: not through a proxy on the same host) in
development, and nobody in production (404).

Under gunicorn each worker is a process: with PROMETHEUS_MULTIPROC_DIR set (in gunicorn's
environment, an empty directory; gunicorn.conf.py empties it at start and tells it of dead workers)
every worker writes its counts there and a scrape adds them up, whichever worker answers it. Without
it the counts are the answering process's own (right for `make run`'s single process). An RQ worker
given the same directory adds its jobs' counts (Stripe calls made by jobs) under one name per worker.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, has_app_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from core.errors import NotFound, Unauthenticated
from core.jobs import QUEUES, jobs

_EXTENSION = "linli.metrics"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # the route of a request no URL rule matched (a 404 or 405)
log = logging.getLogger(__name__)

# Most API calls take milliseconds; the tail (Stripe, big pages) runs to seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_CALL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Stripe retries a failed delivery for days; a healthy one arrives within seconds.
_LAG_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0, 3 * 86400.0)


@dataclass(frozen=True)
class Metrics:
    """The app's metrics. Under multiprocess mode they belong to no registry: each scrape builds
    one that reads every process's files."""

    registry: CollectorRegistry | None
    multiprocess_dir: str | None
    requests: Counter
    latency: Histogram
    calls: Histogram
    call_errors: Counter
    webhook_lag: Histogram
    # (method, route, status) -> the two series a request adds to: looking them up by labels costs
    # more than the increments. Bounded: routes, methods and statuses are each a short list.
    _per_request: dict[tuple[str, str, int], tuple] = field(default_factory=dict)

    def record_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._per_request.get(key)
        if series is None:
            series = self._per_request[key] = (self.requests.labels(method, route, str(status)),
                                               self.latency.labels(method, route))
        series[0].inc()
        series[1].observe(seconds)

    @classmethod
    def create(cls, multiprocess_dir: str | None) -> Metrics:
        registry = None if multiprocess_dir else CollectorRegistry()
        return cls(
            registry=registry,
            multiprocess_dir=multiprocess_dir,
            requests=Counter("linli_http_requests", "HTTP requests answered, by method, route (the URL rule) "
                             "and status.", ["method", "route", "status"], registry=registry),
            latency=Histogram("linli_http_request_duration_seconds", "Time to answer a request, by method "
                              "and route.", ["method", "route"], buckets=_LATENCY_BUCKETS, registry=registry),
            calls=Histogram("linli_external_call_duration_seconds", "Calls to another service (Stripe), by "
                            "service and operation, failed ones included.", ["service", "operation"],
                            buckets=_CALL_BUCKETS, registry=registry),
            call_errors=Counter("linli_external_call_errors", "Failed calls to another service, by service, "
                                "operation and error.", ["service", "operation", "error"], registry=registry),
            webhook_lag=Histogram("linli_webhook_lag_seconds", "From an event's creation at the sender to its "
                                  "delivery here, by source.", ["source"], buckets=_LAG_BUCKETS,
                                  registry=registry),
        )


class JobQueueCollector(Collector):
    """RQ's queues, read from Redis at scrape time: jobs waiting, running, waiting to be retried and
    failed for good. Raw counts (LLEN, ZCARD): asking RQ's registries would also clean them up."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.app.app_context():
            redis = jobs.redis
            if redis is None:  # no Redis: jobs run in-process, there are no queues
                return
            queues = [jobs.queue(name) for name in QUEUES]
            up = GaugeMetricFamily("linli_job_queues_up", "Whether Redis answered for the job queues.")
            try:
                pipe = redis.pipeline(transaction=False)
                for queue in queues:
                    pipe.llen(queue.key)
                    pipe.zcard(queue.started_job_registry.key)
                    pipe.zcard(queue.scheduled_job_registry.key)
                    pipe.zcard(queue.failed_job_registry.key)
                counts = pipe.execute()
            except RedisError as exc:
                log.warning("metrics: the job queues could not be read: %s", exc)
                up.add_metric([], 0)
                yield up
                return
        up.add_metric([], 1)
        yield up
        families = [
            GaugeMetricFamily("linli_job_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"]),
            GaugeMetricFamily("linli_jobs_running", "Jobs a worker is running, per queue.", labels=["queue"]),
            GaugeMetricFamily("linli_jobs_scheduled", "Jobs waiting for a retry or a set time, per queue.",
                              labels=["queue"]),
            GaugeMetricFamily("linli_jobs_failed", "Jobs that failed for good (retries spent), kept in each "
                              "queue's failed registry.", labels=["queue"]),
        ]
        for i, name in enumerate(QUEUES):
            for family, count in zip(families, counts[4 * i: 4 * i + 4], strict=True):
                family.add_metric([name], count)
        yield from families


def _metrics() -> Metrics | None:
    return current_app.extensions.get(_EXTENSION) if has_app_context() else None


def record_request(method: str, rule: str | None, status: int, seconds: float) -> None:
    """Counts one answered request by its URL rule, never its path: O(1), a dict lookup and two
    increments: about 3 microseconds in memory, 7 under multiprocess mode's files (2-core machine)."""
    metrics = _metrics()
    if metrics is not None:
        metrics.record_request(method if method in _METHODS else "OTHER", rule or UNMATCHED, status, seconds)


@contextmanager
def timed_call(service: str, operation: str) -> Iterator[None]:
    """Times a call to another service; an exception leaving the block counts as an error, by class."""
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        metrics = _metrics()
        if metrics is not None:
            metrics.call_errors.labels(service, operation, type(exc).__name__).inc()
        raise
    finally:
        metrics = _metrics()
        if metrics is not None:
            metrics.calls.labels(service, operation).observe(time.perf_counter() - started)


def share_files_with_forks(identifier: str) -> None:
    """Under multiprocess mode, makes the processes forked from this one write their counts to one set
    of files named by `identifier` rather than a set per pid. For a parent whose forks never run at the
    same time, like an RQ worker's work horses (one job at a time): each horse takes up the counts
    where the last left them, instead of leaving files behind per job. The metrics' children must not
    exist yet in this process (they are made by `.labels()`, in the horse)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    values.ValueClass = values.MultiProcessValue(lambda: identifier)


def observe_webhook_lag(source: str, created: object) -> None:
    """How long after its creation (`created`, Unix seconds, as Stripe sends it) an event arrived."""
    metrics = _metrics()
    if metrics is None or isinstance(created, bool) or not isinstance(created, int | float):
        return
    metrics.webhook_lag.labels(source).observe(max(0.0, time.time() - created))


def _is_direct_loopback() -> bool:
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False  # through a proxy, even one on this host: the client is elsewhere
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _check_reader() -> None:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return
    if current_app.config.get("LINLI_ENV") == "production" or not _is_direct_loopback():
        raise NotFound()


def metrics_view() -> Response:
    """GET /metrics in Prometheus's text format (or OpenMetrics, if the scraper asks for it)."""
    _check_reader()
    metrics: Metrics = current_app.extensions[_EXTENSION]
    registry = metrics.registry
    if registry is None:  # multiprocess: every worker's files, and the queues once
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=metrics.multiprocess_dir)
        registry.register(JobQueueCollector(current_app._get_current_object()))
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = Response(encode(registry), content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask, multiprocess_dir: str | None) -> None:
    disable_created_metrics()  # a `_created` series beside every counter doubles the scrape for nothing
    metrics = Metrics.create(multiprocess_dir)
    if metrics.registry is not None:
        metrics.registry.register(JobQueueCollector(app))
    app.extensions[_EXTENSION] = metrics
    app.add_url_rule("/metrics", "metrics", metrics_view)
