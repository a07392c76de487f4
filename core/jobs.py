"""Background jobs on RQ: job functions, the outbox behind `enqueue_after_commit`, its relay, the schedule.

A commit never depends on Redis. `enqueue_after_commit` writes a `job_outbox` row in the caller's
transaction, so a job exists exactly when the change that asked for it does. Right after the commit
the row is pushed to RQ under the row's own job id; if Redis is down it is left for the relay,
which the worker's scheduler loop runs every few seconds: it pushes rows that were left, re-drives
rows pushed long ago whose job did not finish, and puts back the jobs of workers that died. A row
is done once its job ran (at least once: jobs are safe to run twice).

With no REDIS_URL (the embedded default of `make run`) the same rows are run in-process right
after the commit, and the embedded server's scheduler thread runs what a crash left behind.
"""
from __future__ import annotations

import functools
import importlib
import json
import logging
import multiprocessing
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import rq
from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import LockError, RedisError, WatchError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, and_, delete, event, inspect, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import db
from core.models import Base, created_at, intpk, utcnow

log = logging.getLogger(__name__)

QUEUES = ("high", "default", "low", "training")  # training: long, CPU-bound model fits
_PENDING = "linli.outbox_rows"
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # RQ's own rule for job ids
_OWN_PREFIX = "outbox-"
# A row pushed this many times without its job finishing is given up on (state failed).
MAX_RELAYS = 5
RELAY_BATCH = 200
# A job whose worker died under it this often (it may be what kills them) is left to RQ: its
# retries, then failed.
ABANDONED_RUNS = 5
_ABANDONED = "linli_abandoned"


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


def _options(func: Callable[..., Any]) -> JobOptions:
    return getattr(func, "job_options", None) or JobOptions()


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler enqueues every `interval` seconds; `id` is stable across releases."""

    id: str
    func: Callable[..., Any]
    interval: int
    args: tuple = field(default_factory=tuple)

    @property
    def job_id(self) -> str:
        """Its RQ job id: while one run is queued or running, the next tick enqueues no other."""
        return "periodic-" + re.sub(r"[^A-Za-z0-9_-]", "_", self.id)


class OutboxState(StrEnum):
    PENDING = "pending"  # committed, not (known to be) in RQ yet
    RELAYED = "relayed"  # handed to RQ (or claimed by an in-process runner) at relayed_at
    DONE = "done"
    FAILED = "failed"  # its job failed every retry, or was relayed MAX_RELAYS times in vain


class JobOutbox(Base):
    """A job a committed change asked for; the relay hands it to RQ and it is done once it ran."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'relayed', 'done', 'failed')", name="state"),
        # The relay's question: which rows are due (pending, or relayed long ago and not done)?
        Index("ix_job_outbox_state_due_at", "state", "due_at"),
    )

    id: Mapped[intpk]
    func: Mapped[str] = mapped_column(String(200))  # "package.module:function"
    args: Mapped[list[Any]] = mapped_column(JSON)
    queue: Mapped[str] = mapped_column(String(20))
    # The RQ job id: "outbox-<random>", this row's own (unique even across restored databases), or
    # the caller's, shared by the rows that name it.
    job_id: Mapped[str] = mapped_column(String(100))
    timeout: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]  # when the relay next looks at it
    relayed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[created_at]

    @property
    def named(self) -> bool:
        return _named(self.job_id)


def _named(job_id: str) -> bool:
    """Whether the caller named the job (rows of one name run one at a time) or it is the row's own."""
    return not job_id.startswith(_OWN_PREFIX)


@dataclass
class _Entry:
    """What `enqueue_after_commit` remembers on the session, so pushing after the commit emits no SQL."""

    row: JobOutbox
    func: str
    options: JobOptions
    job_id: str
    optimistic: bool  # inserted as relayed: the push after the commit is expected to succeed

    @property
    def id(self) -> int | None:
        state = inspect(self.row)
        # A row inserted in a savepoint that was rolled back is transient again: it never committed.
        return state.identity[0] if state.persistent and state.identity else None


def _path(func: Callable[..., Any]) -> str:
    path = f"{func.__module__}:{func.__qualname__}"
    try:
        found = _resolve(path)
    except (ImportError, AttributeError):
        found = None
    if found is not func:
        raise ValueError(f"{path} is not importable by that name: a job must be a module-level function")
    return path


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


class RedisHealth:
    """Remembers the last failed Redis call of this process, so that during an outage each request
    does not wait on Redis once per use, and so that callers can be careful for a while after one."""

    RETRY_AFTER = 5.0

    def __init__(self) -> None:
        self._failed_at: float | None = None

    def failed(self) -> None:
        self._failed_at = time.monotonic()

    def failed_within(self, seconds: float) -> bool:
        return self._failed_at is not None and time.monotonic() - self._failed_at < seconds

    @property
    def down(self) -> bool:
        return self.failed_within(self.RETRY_AFTER)


class Outcome(StrEnum):
    ENQUEUED = "enqueued"
    ACTIVE = "active"  # a job with this id is queued, scheduled or running: not enqueued again
    FINISHED = "finished"
    FAILED = "failed"


class Jobs:
    """The app's job runner: RQ queues on Redis, or in-process when there is no Redis."""

    def init_app(self, app: Flask, redis_url: str | None, schedule: list[PeriodicJob]) -> None:
        for ids in ([p.id for p in schedule], [p.job_id for p in schedule]):
            if len(ids) != len(set(ids)):
                raise RuntimeError("periodic job ids must be unique")
        # Timeouts: a blackholed Redis must cost a request seconds, not the OS's minutes. RQ's worker
        # raises the read timeout of its own connection above its blocking dequeue.
        redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5) if redis_url else None
        app.extensions["linli.jobs"] = {"redis": redis, "schedule": list(schedule), "health": RedisHealth()}

    @property
    def redis(self) -> Redis | None:
        return current_app.extensions["linli.jobs"]["redis"]

    @property
    def health(self) -> RedisHealth:
        return current_app.extensions["linli.jobs"]["health"]

    @property
    def schedule(self) -> list[PeriodicJob]:
        return current_app.extensions["linli.jobs"]["schedule"]

    def queue(self, name: str) -> Queue:
        if self.redis is None:
            raise RuntimeError("no REDIS_URL: jobs run in-process")
        return Queue(name, connection=self.redis)

    def enqueue(self, func: Callable[..., Any], *args: Any, job_id: str | None = None) -> bool:
        """Enqueue now (services use `enqueue_after_commit` instead). With a `job_id`, nothing is
        enqueued while a job of that id is queued or running; returns whether it was enqueued."""
        options = _options(func)
        if self.redis is None:
            _run_in_process(func, args, options)
            return True
        try:
            outcome = self._put(func, list(args), options, job_id=job_id)
        except RedisError:
            self.health.failed()
            raise
        return outcome == Outcome.ENQUEUED

    def enqueue_after_commit(
        self, session: Session, func: Callable[..., Any], *args: Any, job_id: str | None = None
    ) -> None:
        """Runs `func(*args)` once `session` commits, never if it rolls back: an outbox row in the
        same transaction. With a `job_id`, jobs of that id run one at a time, in commit order."""
        if job_id is not None and (not _JOB_ID.match(job_id) or not _named(job_id)):
            raise ValueError(f"job_id must be 1-100 letters, digits, '-' or '_', not starting {_OWN_PREFIX}")
        job_id = job_id or f"{_OWN_PREFIX}{uuid.uuid4().hex}"
        options = _options(func)
        path = _path(func)
        payload = list(args)
        json.dumps(payload)  # fail in the use case, not in the relay, on arguments JSON cannot carry
        now = utcnow()
        row = JobOutbox(func=path, args=payload, queue=options.queue, job_id=job_id, timeout=options.timeout,
                        state=OutboxState.PENDING, attempts=0, due_at=now)
        optimistic = self.redis is not None and not self.health.down
        if optimistic:
            # Marked relayed up front so the usual commit costs no second write; if the push after
            # the commit fails, the row goes back to pending (or, if even that fails, is re-driven).
            row.state, row.attempts, row.relayed_at = OutboxState.RELAYED, 1, now
            row.due_at = now + self._redrive_after(options.timeout)
        session.add(row)
        session.info.setdefault(_PENDING, []).append(_Entry(row, path, options, job_id, optimistic))

    def _redrive_after(self, timeout: int) -> timedelta:
        return timedelta(seconds=timeout + current_app.config["JOB_REDRIVE_MARGIN_SECONDS"])

    # -- RQ ------------------------------------------------------------------------------------

    def _put(
        self,
        func: Callable[..., Any] | str,
        args: list[Any],
        options: JobOptions,
        *,
        job_id: str | None,
        keep_finished: bool = False,
        description: str | None = None,
    ) -> Outcome:
        """Enqueue on RQ; with a `job_id`, only if no live job has that id (RQ's `unique`). A finished
        or failed job of that id is replaced, unless `keep_finished` asks to be told instead."""
        queue = self.queue(options.queue)
        # retries=0 (a periodic job whose next run is its retry): none
        retry = (Retry(max=options.retries, interval=list(options.retry_intervals[: options.retries]))
                 if options.retries else None)
        kwargs: dict[str, Any] = dict(args=args, job_timeout=options.timeout, retry=retry, result_ttl=3600,
                                      failure_ttl=7 * 86_400, description=description)
        if job_id is None:
            queue.enqueue(func, **kwargs)
            return Outcome.ENQUEUED
        for _ in range(5):
            try:
                queue.enqueue(func, job_id=job_id, unique=True, **kwargs)
                return Outcome.ENQUEUED
            except DuplicateJobError:
                outcome = self._settle_existing(job_id, keep_finished)
                if outcome is not None:
                    return outcome
        return Outcome.ACTIVE  # it keeps changing under us: someone is working on it

    def _settle_existing(self, job_id: str, keep_finished: bool) -> Outcome | None:
        """The job of `job_id` is alive (ACTIVE), over (FINISHED/FAILED, when kept), or deleted (None:
        enqueue again). WATCH makes the delete lose to a worker that changes the job meanwhile."""
        redis = self.redis
        with redis.pipeline() as pipe:
            try:
                pipe.watch(Job.key_for(job_id))
                try:
                    existing = Job.fetch(job_id, connection=redis)
                except NoSuchJobError:
                    return None
                status = existing.get_status(refresh=False)
                if _alive(existing, status):
                    return Outcome.ACTIVE
                if keep_finished and status == JobStatus.FINISHED:
                    return Outcome.FINISHED
                if keep_finished and status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
                    return Outcome.FAILED
                if status not in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
                    # Stuck where no worker will take it from: it says queued but is in no queue
                    # (its worker died between taking and starting it), or started in no registry.
                    log.warning("RQ job %s says %s but no worker has it: replaced", job_id, status)
                pipe.multi()
                existing.delete(pipeline=pipe)
                pipe.execute()
                return None
            except WatchError:
                return None

    def _still_in_rq(self, job_id: str) -> bool:
        try:
            existing = Job.fetch(job_id, connection=self.redis)
        except NoSuchJobError:
            return False
        return existing.get_status(refresh=False) == JobStatus.FINISHED or _alive(existing, existing.get_status())

    def _push_row(self, row: JobOutbox | _Entry, row_id: int) -> Outcome:
        options = row.options if isinstance(row, _Entry) else _row_options(row)
        return self._put(
            run_outbox_job, [row_id], options, job_id=row.job_id, keep_finished=not _named(row.job_id),
            description=f"{row.func}(...) [outbox {row_id}]",
        )

    # -- after the commit ------------------------------------------------------------------------

    def _after_commit(self, session: Session, entries: list[_Entry]) -> None:
        committed = [(entry, entry.id) for entry in entries if entry.id is not None]
        if not committed:
            return
        if self.redis is None:
            for _entry, row_id in committed:
                self._run_row_in_process(session.get_bind(), row_id)
            return
        unpushed: list[int] = []
        waiting: list[int] = []
        for entry, row_id in committed:
            if not entry.optimistic:
                continue  # Redis was down when it was written: pending, the relay's
            if unpushed or self.health.down:
                unpushed.append(row_id)
                continue
            try:
                outcome = self._push_row(entry, row_id)
            except RedisError:
                self.health.failed()
                log.error("Redis is unavailable: outbox row %s is left for the relay", row_id)
                unpushed.append(row_id)
                continue
            if outcome == Outcome.ACTIVE and _named(entry.job_id):
                waiting.append(row_id)  # another job of its id is still running: after that one
        if unpushed or waiting:
            self._back_to_pending(session.get_bind(), unpushed + waiting)

    def _back_to_pending(self, bind, row_ids: list[int]) -> None:
        try:
            with _side_session(bind) as side:
                side.execute(
                    update(JobOutbox)
                    .where(JobOutbox.id.in_(row_ids), JobOutbox.state == OutboxState.RELAYED,
                           JobOutbox.attempts == 1)
                    .values(state=OutboxState.PENDING, attempts=0, relayed_at=None, due_at=utcnow())
                )
                side.commit()
        except SQLAlchemyError:
            # They still look relayed: the relay re-drives them once their due time passes.
            log.exception("could not hand outbox rows %s back to the relay", row_ids)

    # -- the relay -------------------------------------------------------------------------------

    def relay(self, *, limit: int = RELAY_BATCH) -> int:
        """Pushes due outbox rows to RQ (or runs them in-process) and re-drives stale ones; returns
        how many rows it handled. Safe to run in many processes at once (rows are claimed)."""
        if self.redis is None:
            return self._relay_in_process(limit)
        try:
            requeue_abandoned(self.redis)
        except RedisError as exc:
            self.health.failed()
            log.error("Redis is unavailable (%s): the outbox waits", exc)
            return 0
        handled = 0
        with db.sessionmaker() as session:
            now = utcnow()
            rows = session.scalars(
                select(JobOutbox)
                .where(JobOutbox.state.in_([OutboxState.PENDING, OutboxState.RELAYED]), JobOutbox.due_at <= now)
                .order_by(JobOutbox.due_at, JobOutbox.id)
                .limit(limit)
                .with_for_update(skip_locked=True)  # another relay takes other rows instead of waiting
            ).all()
            try:
                for row in rows:
                    self._drive(row, now)
                    handled += 1
            except RedisError as exc:
                self.health.failed()
                log.error("Redis is unavailable (%s): %d outbox rows wait", exc, len(rows) - handled)
            session.commit()
        return handled

    def _drive(self, row: JobOutbox, now: datetime) -> None:
        if row.attempts >= MAX_RELAYS and not self._still_in_rq(row.job_id):
            row.state, row.last_error = OutboxState.FAILED, f"relayed {row.attempts} times without finishing"
            log.error("outbox row %s (%s) given up on: %s", row.id, row.func, row.last_error)
            return
        outcome = self._push_row(row, row.id)
        if outcome == Outcome.ENQUEUED:
            if row.state == OutboxState.RELAYED:
                log.warning("outbox row %s (%s) re-driven: its job never finished", row.id, row.func)
            row.state, row.relayed_at, row.attempts = OutboxState.RELAYED, now, row.attempts + 1
            row.due_at = now + self._redrive_after(row.timeout)
        elif outcome == Outcome.ACTIVE and not row.named:
            # Its own job is still queued, retrying or running: look again after another timeout.
            row.state, row.due_at = OutboxState.RELAYED, now + self._redrive_after(row.timeout)
        elif outcome == Outcome.ACTIVE:
            row.state, row.due_at = OutboxState.PENDING, now  # another job of its id first
        elif outcome == Outcome.FINISHED:
            row.state, row.done_at = OutboxState.DONE, now
        else:
            row.state, row.last_error = OutboxState.FAILED, f"RQ job {row.job_id} failed every retry"
            log.error("outbox row %s (%s): %s", row.id, row.func, row.last_error)

    def _relay_in_process(self, limit: int) -> int:
        with db.sessionmaker() as session:
            due = list(session.scalars(
                select(JobOutbox.id)
                .where(JobOutbox.state.in_([OutboxState.PENDING, OutboxState.RELAYED]),
                       JobOutbox.due_at <= utcnow())
                .order_by(JobOutbox.due_at, JobOutbox.id)
                .limit(limit)
            ))
            bind = session.get_bind()
        return sum(self._run_row_in_process(bind, row_id) for row_id in due)

    def _run_row_in_process(self, bind, row_id: int) -> bool:
        """Claims the row (a conditional update, so two runners never both run it), runs its job."""
        with _side_session(bind) as side:
            row = side.get(JobOutbox, row_id)
            if row is None or row.state in (OutboxState.DONE, OutboxState.FAILED) or row.due_at > utcnow():
                return False
            if row.attempts >= MAX_RELAYS:  # it was cut short that often: it may be what kills us
                row.state, row.last_error = OutboxState.FAILED, f"started {row.attempts} times without finishing"
                side.commit()
                log.error("outbox row %s (%s) given up on: %s", row_id, row.func, row.last_error)
                return False
            options = _row_options(row)
            now = utcnow()
            # attempts is the row's version: of two runners claiming at once, one updates nothing.
            claimed = side.execute(
                update(JobOutbox)
                .where(JobOutbox.id == row_id, JobOutbox.state == row.state, JobOutbox.attempts == row.attempts)
                .values(state=OutboxState.RELAYED, relayed_at=now, attempts=row.attempts + 1,
                        due_at=now + self._redrive_after(row.timeout))
            ).rowcount
            side.commit()
        if claimed != 1:
            return False
        if not _run_in_process(run_outbox_job, (row_id,), options):
            _finish_row(row_id, OutboxState.FAILED, "failed every in-process attempt")
        return True

    # -- the schedule ----------------------------------------------------------------------------

    def run_due(self, last_run: dict[str, float], now: float) -> list[str]:
        """Enqueue every periodic job whose interval has passed since `last_run`, unless its last run
        is still queued or running; returns the ids enqueued. A tick Redis failed is tried again."""
        ran = []
        for periodic in self.schedule:
            if now - last_run.get(periodic.id, 0) < periodic.interval:
                continue
            if self.enqueue(periodic.func, *periodic.args, job_id=periodic.job_id):
                ran.append(periodic.id)
            else:
                log.info("periodic job %s: its last run is still queued or running", periodic.id)
            last_run[periodic.id] = now
        return ran


def _row_options(row: JobOutbox) -> JobOptions:
    try:
        options = _options(_resolve(row.func))
    except (ImportError, AttributeError):
        options = JobOptions()
    return JobOptions(queue=row.queue, timeout=row.timeout, retries=options.retries,
                      retry_intervals=options.retry_intervals)


def _alive(job: Job, status: JobStatus | None) -> bool:
    """Whether some worker will still run (or is running) this job."""
    redis = job.connection
    queue = Queue(job.origin or "default", connection=redis)
    if status == JobStatus.QUEUED:
        return redis.lpos(queue.key, job.id) is not None or redis.lpos(queue.intermediate_queue_key, job.id) is not None
    if status == JobStatus.SCHEDULED:
        return job.id in queue.scheduled_job_registry
    if status == JobStatus.STARTED:
        # An expired entry is an abandoned job; _clean_abandoned has RQ retry it.
        return job.id in queue.started_job_registry
    return status in (JobStatus.DEFERRED, JobStatus.CREATED)


def requeue_abandoned(redis: Redis) -> None:
    """Jobs whose worker died (an expired StartedJobRegistry entry: no heartbeat for three
    intervals) go back to the front of their queue at once, up to ABANDONED_RUNS times without
    spending their retries; after that RQ's own cleanup retries them, then fails them.

    RQ's cleanup would schedule the retry instead, and the scheduler of a killed worker holds its
    lock for a minute after it died: the retry would wait that long. Nor does this take RQ's
    maintenance lock: a worker killed while holding it (it takes it as it starts) keeps everyone
    else out for fifteen minutes. A lock of its own expires in seconds.
    """
    for name in QUEUES:
        lock = redis.lock(f"linli:requeue-abandoned:{name}", timeout=30, blocking=False)
        if not lock.acquire():
            continue
        try:
            queue = Queue(name, connection=redis)
            registry = StartedJobRegistry(queue=queue)
            for entry in redis.zrangebyscore(registry.key, 0, time.time()):
                _requeue_abandoned(queue, registry, entry)
            registry.cleanup()
        finally:
            try:
                lock.release()
            except LockError:
                pass  # expired meanwhile: someone else's turn


def _requeue_abandoned(queue: Queue, registry: StartedJobRegistry, entry: bytes) -> None:
    try:
        job = Job.fetch(registry.parse_job_id(entry), connection=queue.connection)
    except NoSuchJobError:
        return  # RQ's cleanup drops the entry
    abandoned = int(job.meta.get(_ABANDONED, 0))
    if job.get_status(refresh=False) != JobStatus.STARTED or abandoned >= ABANDONED_RUNS:
        return  # not abandoned after all, or abandoned too often: RQ's cleanup retries or fails it
    # Its worker's death is not the job's failure: it does not spend the job's retries.
    job.meta[_ABANDONED] = abandoned + 1
    with queue.connection.pipeline() as pipe:
        pipe.multi()
        pipe.zrem(registry.key, entry)
        queue.enqueue_job(job, pipeline=pipe, at_front=True)
        pipe.execute()
    log.warning("job %s was abandoned by its worker (%d of %d): requeued", job.id, abandoned + 1, ABANDONED_RUNS)


def _side_session(bind) -> Session:
    """A session of its own on the same database (the test harness binds one connection)."""
    return Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)


def run_outbox_job(outbox_id: int) -> Any:
    """What RQ (or the in-process runner) runs for an outbox row: its job, then the row is done."""
    with current_app.app_context():
        row = db.session.get(JobOutbox, outbox_id)
        if row is None or row.state == OutboxState.DONE:
            log.info("outbox row %s is done or gone: nothing to run", outbox_id)
            return None
        func, args = _resolve(row.func), list(row.args)
    result = func(*args)
    _finish_row(outbox_id, OutboxState.DONE)
    return result


def _finish_row(outbox_id: int, state: OutboxState, error: str | None = None) -> None:
    try:
        with current_app.app_context():
            db.session.execute(
                update(JobOutbox).where(JobOutbox.id == outbox_id, JobOutbox.state != OutboxState.DONE)
                .values(state=state, done_at=utcnow() if state == OutboxState.DONE else None, last_error=error)
            )
            db.session.commit()
    except SQLAlchemyError:
        # The job ran; the relay finds its RQ job finished and marks the row then (or runs it again).
        log.exception("could not mark outbox row %s %s", outbox_id, state)


def _run_in_process(func: Callable[..., Any], args: Iterable[Any], options: JobOptions) -> bool:
    for attempt in range(options.retries + 1):
        try:
            func(*args)
            return True
        except Exception:
            log.exception("in-process job %s failed (attempt %d)", getattr(func, "__name__", func), attempt + 1)
    return False


@event.listens_for(Session, "after_commit")
def _relay_committed(session: Session) -> None:
    entries = session.info.pop(_PENDING, None)
    if not entries:
        return
    if not has_app_context():
        log.warning("a commit outside an app context left %d outbox rows for the relay", len(entries))
        return
    try:
        jobs._after_commit(session, entries)
    except Exception:  # the commit happened: nothing after it may fail the caller
        log.exception("could not relay outbox rows after the commit; the relay will")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


class Worker(rq.Worker):
    """RQ's forking worker, whose running jobs report every `job_monitoring_interval` seconds and
    count as abandoned after three missed reports (RQ's default waits a minute more), so the relay
    puts the job of a killed worker back in its queue within seconds."""

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return max(3, 3 * int(self.job_monitoring_interval))

    def clean_registries(self) -> None:
        requeue_abandoned(self.connection)  # before RQ's own cleanup schedules their retries
        super().clean_registries()

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        # A forked process must not talk over pooled connections its parent may hold (SQLAlchemy's
        # advice for forked processes): the horse opens its own.
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


class Scheduler:
    """The loop beside each worker: relays the outbox every tick and enqueues the periodic jobs (a
    Redis lock makes one scheduler active among many workers for the latter).

    Beside an RQ worker it runs in a process of its own: the worker forks a work horse per job, and
    a fork while another thread holds a lock (SQLAlchemy's, the pool's) leaves the horse stuck.
    """

    LOCK_KEY = "linli:scheduler:lock"

    def __init__(self, app: Flask, *, tick: float | None = None, periodic: bool = True) -> None:
        self.app = app
        self.tick = tick if tick is not None else app.config["JOB_RELAY_INTERVAL_SECONDS"]
        self.periodic = periodic
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

    def run(self, *, parent: int | None = None) -> None:
        token = f"{os.getpid()}:{threading.get_ident()}:{time.time()}"
        with self.app.app_context():
            while not self.stopped.is_set() and (parent is None or os.getppid() == parent):
                try:
                    jobs.relay()
                except Exception:
                    log.exception("outbox relay failed")
                if self.periodic:
                    try:
                        if self._holds_lock(jobs.redis, token):
                            jobs.run_due(self.last_run, time.time())
                    except RedisError as exc:
                        log.error("Redis is unavailable (%s): periodic jobs wait", exc)
                    except Exception:
                        log.exception("scheduler tick failed")
                self.stopped.wait(self.tick)

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="linli-scheduler", daemon=True)
        thread.start()
        return thread

    def start_in_process(self) -> multiprocessing.process.BaseProcess:
        """Forked before the worker starts (no other thread yet); it stops when the worker is gone."""
        process = multiprocessing.get_context("fork").Process(
            target=self._run_forked, args=(os.getpid(),), name="linli-scheduler", daemon=True)
        process.start()
        return process

    def _run_forked(self, parent: int) -> None:
        with self.app.app_context():
            db.engine.dispose(close=False)  # never share the parent's pooled connections
        self.run(parent=parent)


@job("low", timeout=300)
def purge_finished_outbox_rows() -> int:
    """Deletes outbox rows done a day ago, and failed ones after a month (kept to be looked at)."""
    now = utcnow()
    result = db.session.execute(delete(JobOutbox).where(or_(
        and_(JobOutbox.state == OutboxState.DONE, JobOutbox.done_at < now - timedelta(days=1)),
        and_(JobOutbox.state == OutboxState.FAILED, JobOutbox.created_at < now - timedelta(days=30)),
    )))
    db.session.commit()
    return result.rowcount


jobs = Jobs()
