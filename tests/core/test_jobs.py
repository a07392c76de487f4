"""Jobs: enqueued only after commit, run by a real RQ worker on Redis, or in-process without it."""
from datetime import timedelta

from sqlalchemy import select

from app import SCHEDULE, create_app
from core.db import db
from core.idempotency import IdempotencyRecord, purge_expired_idempotency_records
from core.jobs import QUEUES, jobs
from core.models import utcnow


def _stale_record(session, key="old"):
    session.add(IdempotencyRecord(user_id=1, key=key, fingerprint="f" * 64, status_code=201,
                                  created_at=utcnow() - timedelta(days=3)))


def _keys(app):
    with app.app_context():
        return set(db.session.scalars(select(IdempotencyRecord.key)))


def test_a_job_is_enqueued_after_commit_and_run_by_a_real_worker(app, connection, redis, run_jobs):
    with app.app_context():
        session = db.session
        _stale_record(session)
        session.add(IdempotencyRecord(user_id=1, key="fresh", fingerprint="f" * 64, status_code=201))
        jobs.enqueue_after_commit(session, purge_expired_idempotency_records)
        assert jobs.queue("low").count == 0  # nothing before the commit
        session.commit()
        assert jobs.queue("low").count == 1
    run_jobs()
    assert _keys(app) == {"fresh"}
    with app.app_context():
        assert all(jobs.queue(name).count == 0 for name in QUEUES)


def test_a_rolled_back_change_enqueues_nothing(app, connection):
    with app.app_context():
        session = db.session
        _stale_record(session)
        jobs.enqueue_after_commit(session, purge_expired_idempotency_records)
        session.rollback()
        assert jobs.queue("low").count == 0


def test_jobs_are_safe_to_run_twice(app, connection, run_jobs):
    with app.app_context():
        _stale_record(db.session)
        db.session.commit()
        jobs.enqueue(purge_expired_idempotency_records)
        jobs.enqueue(purge_expired_idempotency_records)
    run_jobs()
    assert _keys(app) == set()


def test_every_enqueue_sets_a_timeout_and_a_retry(app, connection):
    with app.app_context():
        jobs.enqueue(purge_expired_idempotency_records)
        (job,) = jobs.queue("low").get_jobs()
        assert job.timeout == 300
        assert job.retries_left == 3


def test_the_schedule_enqueues_each_due_job_once_per_interval(app, connection):
    with app.app_context():
        last_run: dict[str, float] = {}
        assert jobs.run_due(last_run, now=1_000_000.0) == [p.id for p in SCHEDULE]
        assert jobs.run_due(last_run, now=1_000_001.0) == []
        assert len(jobs.run_due(last_run, now=1_000_000.0 + 86_400)) == len(SCHEDULE)


def test_schedule_ids_are_unique_and_every_job_has_options():
    assert len({p.id for p in SCHEDULE}) == len(SCHEDULE)
    for periodic in SCHEDULE:
        assert periodic.func.job_options.queue in QUEUES


def test_without_redis_jobs_run_in_process_after_commit(tmp_path):
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    config = Config("alembic.ini")
    config.attributes["url"] = url
    command.upgrade(config, "head")
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        _stale_record(db.session)
        db.session.commit()
        jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records)
        db.session.add(IdempotencyRecord(user_id=2, key="kept", fingerprint="f" * 64, status_code=201))
        db.session.commit()
    assert _keys(app) == {"kept"}
