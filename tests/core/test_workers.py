"""Real `flask --app app worker` processes: killed with SIGKILL mid-job, running a periodic job that
overruns its interval, and losing Redis mid-job.

A job is caught mid-flight by a table lock the test holds: it has read what it needs and waits to
write when the worker dies (or while its next interval comes).
"""
from __future__ import annotations

import math
import time
from datetime import timedelta

from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import create_engine, func, select, text

from app import SCHEDULE
from community.notifications.models import Notification
from core.db import db
from core.idempotency import IdempotencyRecord, purge_expired_idempotency_records
from core.jobs import JobOutbox, OutboxState, jobs
from core.models import utcnow
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, resident_of, staff_of
from tests.outage import RedisServer, WorkerProcess, outage_app, wait_for

RESIDENTS = 150
KILLS = 2
HEARTBEAT_LAPSE = 3.5  # JOB_HEARTBEAT_SECONDS=1 in WorkerProcess: abandoned after three missed


def _emergency(app, community, manager):
    response = app.test_client().post(
        f"/api/communities/{community.id}/announcements", headers=bearer(manager.id),
        json={"title": "停水通知", "body": "今晚 22 点起紧急停水", "emergency": True})
    assert response.status_code == 201, response.json


def _row(app) -> JobOutbox:
    with app.app_context():
        (row,) = db.session.scalars(select(JobOutbox))
        return row


def _notifications(app) -> tuple[int, int]:
    with app.app_context():
        total, people = db.session.execute(
            select(func.count(), func.count(Notification.user_id.distinct()))).one()
        return total, people


def _job(app, job_id) -> Job:
    with app.app_context():
        return Job.fetch(job_id, connection=jobs.redis)


def _running(app, job_id, *, abandoned) -> bool:
    """Started by a worker, after `abandoned` runs whose worker died were put back."""
    job = _job(app, job_id)
    return job.get_status() == "started" and job.meta.get("linli_abandoned", 0) == abandoned


class _TableLock:
    """Holds a lock on a table that lets readers through and makes writers wait (on SQLite, the
    database's write lock)."""

    def __init__(self, backend, table: str) -> None:
        self.engine = create_engine(backend.database_url)
        self.backend = backend
        self.table = table
        self.connection = None

    def __enter__(self):
        self.connection = self.engine.connect()
        if self.backend.name == "postgresql":
            self.connection.execute(text(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE"))
        else:
            self.connection.exec_driver_sql("BEGIN IMMEDIATE")
        return self

    def writers_waiting(self, statement: str) -> int:
        """On PostgreSQL, how many `statement`s wait on the lock (those of killed workers wait on too)."""
        with self.engine.connect() as other:
            return other.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE :statement"), {"statement": f"{statement}%"})

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()
        self.engine.dispose()


def test_an_emergency_delivery_survives_its_workers_being_killed_mid_job_twice(backend, redis_url, tmp_path):
    community = CommunityFactory()
    manager = staff_of(community)
    for _ in range(RESIDENTS):
        resident_of(community)
    current_session().commit()
    app = outage_app(backend.database_url, redis_url)

    _emergency(app, community, manager)
    row = _row(app)
    assert row.state == OutboxState.RELAYED  # pushed to RQ right after the commit
    with _TableLock(backend, "notifications") as lock:
        for kill in range(KILLS):
            worker = WorkerProcess(tmp_path / f"worker-{kill}.log", database_url=backend.database_url,
                                   redis_url=redis_url, args=("--no-schedule",)).start()
            try:
                wait_for(lambda kill=kill: _running(app, row.job_id, abandoned=kill), timeout=40,
                         what=f"run {kill + 1} of the delivery to start")
                if backend.name == "postgresql":
                    wait_for(lambda kill=kill: lock.writers_waiting("INSERT INTO notifications") > kill,
                             timeout=30, what=f"run {kill + 1} of the delivery to wait on the lock")
                assert worker.horses(), "the job runs in a work horse"
            finally:
                worker.kill()
            assert _job(app, row.job_id).get_status() == "started"  # nobody is left to say otherwise
            # On SQLite the lock holds up every transaction, the next worker's relay too: let the
            # killed job's heartbeat lapse first, so that relay's first tick finds it abandoned.
            time.sleep(HEARTBEAT_LAPSE)
    assert _notifications(app) == (0, 0)

    survivor = WorkerProcess(tmp_path / "survivor.log", database_url=backend.database_url, redis_url=redis_url,
                             args=("--no-schedule",)).start()
    try:
        wait_for(lambda: _row(app).state == OutboxState.DONE, timeout=60, every=0.5,
                 what="the delivery to be done after the kill")
    finally:
        survivor.stop()
    assert _notifications(app) == (RESIDENTS, RESIDENTS)  # every resident once, nobody twice
    finished = _job(app, row.job_id)
    assert finished.meta["linli_abandoned"] == KILLS and finished.retries_left == 3  # kills spend no retries


def test_a_periodic_job_that_overruns_its_interval_is_not_enqueued_again_while_it_runs(backend, redis_url, tmp_path):
    app = outage_app(backend.database_url, redis_url)
    purge = next(p for p in SCHEDULE if p.id == "core.purge-idempotency-records")
    with app.app_context():
        db.session.add(IdempotencyRecord(user_id=1, key="old", fingerprint="f" * 64, status_code=201,
                                         created_at=utcnow() - timedelta(days=3)))
        db.session.commit()
    last_run = {p.id: math.inf for p in SCHEDULE if p.id != purge.id}  # only the purge comes due
    start = 1_000_000.0
    worker = WorkerProcess(tmp_path / "worker.log", database_url=backend.database_url, redis_url=redis_url,
                           args=("--no-schedule", "--queues", "low")).start()
    try:
        with _TableLock(backend, "idempotency_records") as lock, app.app_context():
            assert jobs.run_due(last_run, now=start) == [purge.id]
            wait_for(lambda: _job(app, purge.job_id).get_status() == "started", timeout=30,
                     what="the purge to start")
            if backend.name == "postgresql":
                wait_for(lambda: lock.writers_waiting("DELETE FROM idempotency_records"), timeout=30,
                         what="the purge to wait on the lock")
            for hours in (1, 2, 3):  # it overruns its hourly interval three times
                assert jobs.run_due(last_run, now=start + hours * purge.interval) == []
                assert jobs.queue("low").count == 0  # nothing stacked behind the running one
        wait_for(lambda: _job(app, purge.job_id).get_status() == "finished", timeout=60,
                 what="the purge to finish once the lock is gone")
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
            # Its next interval after it finished runs it again.
            assert jobs.run_due(last_run, now=start + 4 * purge.interval) == [purge.id]
    finally:
        worker.stop()


def test_a_worker_outlives_a_redis_outage_and_works_again_when_redis_is_back(backend, tmp_path):
    server = RedisServer(tmp_path).start()
    app = outage_app(backend.database_url, server.url)
    with app.app_context():
        db.session.add(IdempotencyRecord(user_id=1, key="old", fingerprint="f" * 64, status_code=201,
                                         created_at=utcnow() - timedelta(days=3)))
        db.session.commit()
    worker = WorkerProcess(tmp_path / "worker.log", database_url=backend.database_url, redis_url=server.url,
                           args=("--no-schedule",)).start()
    try:
        with _TableLock(backend, "idempotency_records"):
            with app.app_context():
                jobs.enqueue(purge_expired_idempotency_records)
                wait_for(lambda: StartedJobRegistry("low", connection=jobs.redis).get_job_ids(cleanup=False),
                         timeout=30, what="the purge to start")
            server.kill()  # while the worker watches its job: RQ's loop quits on the next heartbeat
            wait_for(lambda: "found an unhandled exception, quitting" in worker.log(), timeout=30,
                     what="RQ's loop to quit")
            time.sleep(1)
            assert worker.process.poll() is None, "the worker process is gone"
            server.start()  # back, and empty
        with app.app_context():
            db.session.add(IdempotencyRecord(user_id=2, key="older", fingerprint="f" * 64, status_code=201,
                                             created_at=utcnow() - timedelta(days=3)))
            jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records)
            db.session.commit()
        wait_for(lambda: _row(app).state == OutboxState.DONE, timeout=60, every=0.5,
                 what="the worker to run a job once Redis is back")
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    finally:
        worker.stop()
        server.kill()
