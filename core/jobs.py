"""Background jobs on RQ: job functions, `enqueue_after_commit`, the periodic schedule, the worker.

With no REDIS_URL the same jobs run in-process right after the commit that asked for them, so
the embedded default (`make run` on a bare machine) behaves like production, only slower.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUES = ("high", "default", "low")
_PENDING = "linli.pending_jobs"


@dataclass(frozen=True)
class JobOptions:
    queue: str = "default"
    timeout: int = 120
    retries: int = 3
    retry_intervals: tuple[int, ...] = (10, 60, 300)


def job(queue: str = "default", *, timeout: int = 120, retries: int = 3):
    """Marks a plain function taking ids as a job; each run gets a fresh app context/session."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue}")

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with current_app.app_context():
                return func(*args, **kwargs)

        run.job_options = JobOptions(queue=queue, timeout=timeout, retries=retries)  # type: ignore[attr-defined]
        return run

    return decorator


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler enqueues every `interval` seconds; `id` is stable across releases."""

    id: str
    func: Callable[..., Any]
    interval: int
    args: tuple = field(default_factory=tuple)


class Jobs:
    """The app's job runner: RQ queues on Redis, or in-process when there is no Redis."""

    def init_app(self, app: Flask, redis_url: str | None, schedule: list[PeriodicJob]) -> None:
        ids = [p.id for p in schedule]
        if len(ids) != len(set(ids)):
            raise RuntimeError("periodic job ids must be unique")
        redis = Redis.from_url(redis_url) if redis_url else None
        app.extensions["linli.jobs"] = {"redis": redis, "schedule": list(schedule)}

    @property
    def redis(self) -> Redis | None:
        return current_app.extensions["linli.jobs"]["redis"]

    @property
    def schedule(self) -> list[PeriodicJob]:
        return current_app.extensions["linli.jobs"]["schedule"]

    def queue(self, name: str) -> Queue:
        if self.redis is None:
            raise RuntimeError("no REDIS_URL: jobs run in-process")
        return Queue(name, connection=self.redis)

    def enqueue(self, func: Callable[..., Any], *args: Any, job_id: str | None = None) -> None:
        """Enqueue now. Services use `enqueue_after_commit` instead."""
        options: JobOptions = getattr(func, "job_options", None) or JobOptions()
        if self.redis is None:
            _run_in_process(func, args, options)
            return
        retry = Retry(max=options.retries, interval=list(options.retry_intervals[: options.retries]))
        self.queue(options.queue).enqueue(
            func, *args, job_id=job_id, job_timeout=options.timeout, retry=retry,
            result_ttl=3600, failure_ttl=7 * 86_400,
        )

    def enqueue_after_commit(
        self, session: Session, func: Callable[..., Any], *args: Any, job_id: str | None = None
    ) -> None:
        """Enqueue once `session` commits; dropped if it rolls back."""
        session.info.setdefault(_PENDING, []).append((func, args, job_id))

    def run_due(self, last_run: dict[str, float], now: float) -> list[str]:
        """Enqueue every periodic job whose interval has passed since `last_run`."""
        ran = []
        for periodic in self.schedule:
            if now - last_run.get(periodic.id, 0) >= periodic.interval:
                last_run[periodic.id] = now
                self.enqueue(periodic.func, *periodic.args, job_id=None)
                ran.append(periodic.id)
        return ran


def _run_in_process(func: Callable[..., Any], args: tuple, options: JobOptions) -> None:
    for attempt in range(options.retries + 1):
        try:
            func(*args)
            return
        except Exception:
            log.exception("in-process job %s failed (attempt %d)", func.__name__, attempt + 1)


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for func, args, job_id in pending:
        jobs.enqueue(func, *args, job_id=job_id)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


class Scheduler:
    """Enqueues the periodic jobs; a Redis lock makes one scheduler active among many workers."""

    LOCK_KEY = "linli:scheduler:lock"

    def __init__(self, app: Flask, *, tick: float = 5.0) -> None:
        self.app = app
        self.tick = tick
        self.stopped = threading.Event()
        self.last_run: dict[str, float] = {}

    def _holds_lock(self, redis: Redis | None, token: str) -> bool:
        if redis is None:
            return True
        ttl = int(self.tick * 3) + 1
        if redis.set(self.LOCK_KEY, token, nx=True, ex=ttl):
            return True
        if (redis.get(self.LOCK_KEY) or b"").decode() == token:
            redis.expire(self.LOCK_KEY, ttl)
            return True
        return False

    def run(self) -> None:
        token = f"{threading.get_ident()}:{time.time()}"
        with self.app.app_context():
            while not self.stopped.is_set():
                try:
                    if self._holds_lock(jobs.redis, token):
                        jobs.run_due(self.last_run, time.time())
                except Exception:
                    log.exception("scheduler tick failed")
                self.stopped.wait(self.tick)

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="linli-scheduler", daemon=True)
        thread.start()
        return thread


jobs = Jobs()
