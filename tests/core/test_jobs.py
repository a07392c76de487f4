"""Jobs: enqueued only after commit through the outbox, run by a real RQ worker on Redis, or in-process
without it; relayed once however many relays run, re-driven when their RQ copy is lost."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from redis.exceptions import RedisError
from sqlalchemy import select, update

from app import SCHEDULE, create_app
from core.db import db
from core.idempotency import IdempotencyRecord, purge_expired_idempotency_records
from core.jobs import QUEUES, JobOutbox, OutboxState, jobs, purge_finished_outbox_rows
from core.models import utcnow
from tests.outage import RedisServer, outage_app, unreachable_redis_url


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


def test_the_schedule_enqueues_each_due_job_once_per_interval_and_never_over_its_last_run(
        app, connection, run_jobs):
    with app.app_context():
        last_run: dict[str, float] = {}
        assert jobs.run_due(last_run, now=1_000_000.0) == [p.id for p in SCHEDULE]
        assert jobs.run_due(last_run, now=1_000_001.0) == []
        # A day later every one is due again, but each is still queued: no second copy.
        assert jobs.run_due(last_run, now=1_000_000.0 + 86_400) == []
        assert sum(jobs.queue(name).count for name in QUEUES) == len(SCHEDULE)
    run_jobs()
    with app.app_context():
        assert len(jobs.run_due(last_run, now=1_000_000.0 + 2 * 86_400)) == len(SCHEDULE)


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
    assert [(r.state, r.attempts) for r in _rows(app)] == [(OutboxState.DONE, 1)]


def _rows(app) -> list[JobOutbox]:
    with app.app_context():
        return list(db.session.scalars(select(JobOutbox).order_by(JobOutbox.id)))


def _time_passes(app) -> None:
    """Every relayed row's re-drive time comes (its timeout and margin went by)."""
    with app.app_context():
        db.session.execute(update(JobOutbox).values(due_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_a_job_is_written_with_the_change_and_done_once_it_ran(app, connection, run_jobs):
    with app.app_context():
        _stale_record(db.session)
        jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records)
        db.session.commit()
    (row,) = _rows(app)
    assert row.state == OutboxState.RELAYED and row.attempts == 1 and row.job_id.startswith("outbox-")
    assert row.func == "core.idempotency:purge_expired_idempotency_records" and row.queue == "low"
    run_jobs()
    (row,) = _rows(app)
    assert row.state == OutboxState.DONE and row.done_at is not None
    assert _keys(app) == set()


def test_a_savepoint_rolled_back_takes_its_job_with_it(app, connection):
    with app.app_context():
        session = db.session
        jobs.enqueue_after_commit(session, purge_expired_idempotency_records)
        nested = session.begin_nested()
        jobs.enqueue_after_commit(session, purge_expired_idempotency_records)
        nested.rollback()
        session.commit()
        assert jobs.queue("low").count == 1
    assert len(_rows(app)) == 1


def test_a_job_must_be_importable_and_its_arguments_json(app, connection):
    with app.app_context():
        with pytest.raises(ValueError, match="module-level"):
            jobs.enqueue_after_commit(db.session, lambda: None)
        with pytest.raises(TypeError):
            jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records, object())
        with pytest.raises(ValueError, match="job_id"):
            jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records, job_id="outbox-mine")


def test_relaying_a_row_again_never_queues_a_second_copy(app, connection, run_jobs):
    with app.app_context():
        jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records)
        db.session.commit()
    _time_passes(app)  # the relay thinks its job is overdue, but it is still in the queue
    with app.app_context():
        assert jobs.relay() == 1
        assert jobs.relay() == 0  # looked at: due again only after another timeout
        assert jobs.queue("low").count == 1
    (row,) = _rows(app)
    assert row.state == OutboxState.RELAYED and row.attempts == 1
    run_jobs()
    assert _rows(app)[0].state == OutboxState.DONE


def test_a_job_taken_by_a_worker_that_died_before_starting_it_is_driven_again(app, connection, redis, run_jobs):
    with app.app_context():
        _stale_record(db.session)
        jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records)
        db.session.commit()
        queue = jobs.queue("low")
        (job_id,) = queue.job_ids
    redis.lpop(queue.key)  # what a worker's dequeue does; it died before it marked the job started
    with app.app_context():
        assert jobs.relay() == 0  # not due yet: it may still be on its way
    _time_passes(app)
    with app.app_context():
        assert jobs.relay() == 1
        assert jobs.queue("low").job_ids == [job_id]
    run_jobs()
    (row,) = _rows(app)
    assert row.state == OutboxState.DONE and row.attempts == 2
    assert _keys(app) == set()


def test_jobs_lost_with_a_crashed_redis_are_driven_again_when_it_is_back(backend, tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        app = outage_app(backend.database_url, server.url)
        with app.app_context():
            _stale_record(db.session)
            jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records)
            db.session.commit()
            assert jobs.queue("low").count == 1
        server.kill()  # no persistence: the queued job is gone with it
        server.start()
        _time_passes(app)
        with app.app_context():
            assert jobs.relay() == 1
            from rq import SimpleWorker
            SimpleWorker([jobs.queue("low")], connection=jobs.redis).work(burst=True)
        assert [(r.state, r.attempts) for r in _rows(app)] == [(OutboxState.DONE, 2)]
        assert _keys(app) == set()
    finally:
        server.kill()


def test_relays_running_at_once_push_each_row_once(app, committed):
    rows = 60
    with app.app_context():
        for _ in range(rows):
            db.session.add(JobOutbox(func="core.idempotency:purge_expired_idempotency_records", args=[], queue="low",
                                     job_id=f"outbox-{_:04d}", timeout=300, state=OutboxState.PENDING, attempts=0,
                                     due_at=utcnow()))
        db.session.commit()

    def relay(_):
        with app.app_context():
            return jobs.relay(limit=10)

    with ThreadPoolExecutor(max_workers=4) as pool:
        handled = sum(pool.map(relay, range(12)))
    assert handled == rows
    with app.app_context():
        assert jobs.queue("low").count == rows
    assert {(r.state, r.attempts) for r in _rows(app)} == {(OutboxState.RELAYED, 1)}


def test_done_rows_are_purged_after_a_day(app, connection):
    with app.app_context():
        for key, done_at in (("old", utcnow() - timedelta(days=2)), ("new", utcnow())):
            db.session.add(JobOutbox(func="x:y", args=[], queue="low", job_id=f"outbox-{key}", timeout=1,
                                     state=OutboxState.DONE, attempts=1, due_at=done_at, done_at=done_at))
        db.session.add(JobOutbox(func="x:y", args=[], queue="low", job_id="outbox-waiting", timeout=1,
                                 state=OutboxState.PENDING, attempts=0, due_at=utcnow() - timedelta(days=9)))
        db.session.commit()
        assert purge_finished_outbox_rows() == 1
    assert sorted(r.job_id for r in _rows(app)) == ["outbox-new", "outbox-waiting"]


def test_without_redis_a_job_cut_short_by_a_crash_runs_again_from_the_outbox(tmp_path):
    from tests.conftest import migrated_sqlite

    app = create_app({"DATABASE_URL": migrated_sqlite(tmp_path), "LOG_LEVEL": "ERROR"})
    with app.app_context():
        _stale_record(db.session)
        # The process running it died: claimed (relayed) by an in-process runner, never done.
        db.session.add(JobOutbox(func="core.idempotency:purge_expired_idempotency_records", args=[], queue="low",
                                 job_id="outbox-crashed", timeout=300, state=OutboxState.RELAYED, attempts=1,
                                 due_at=utcnow() + timedelta(seconds=360), relayed_at=utcnow()))
        db.session.commit()
        assert jobs.relay() == 0  # it may still be running
    _time_passes(app)
    with app.app_context():
        assert jobs.relay() == 1
    assert [(r.state, r.attempts) for r in _rows(app)] == [(OutboxState.DONE, 2)]
    assert _keys(app) == set()


def test_jobs_that_share_a_name_run_one_at_a_time_in_commit_order(app, connection, run_jobs):
    with app.app_context():
        for _ in range(2):
            jobs.enqueue_after_commit(db.session, purge_expired_idempotency_records, job_id="purge-idempotency")
        db.session.commit()
        assert jobs.queue("low").job_ids == ["purge-idempotency"]
    assert [r.state for r in _rows(app)] == [OutboxState.RELAYED, OutboxState.PENDING]
    with app.app_context():
        assert jobs.relay() == 1  # the second looks, and waits: the first is still queued
        assert jobs.queue("low").count == 1
    run_jobs()
    with app.app_context():
        assert jobs.relay() == 1
    run_jobs()
    assert [r.state for r in _rows(app)] == [OutboxState.DONE, OutboxState.DONE]


def test_a_schedule_tick_that_found_redis_down_is_tried_again_at_the_next(database_url):
    down = outage_app(database_url, unreachable_redis_url())
    last_run: dict[str, float] = {}
    with down.app_context(), pytest.raises(RedisError):
        jobs.run_due(last_run, now=1_000_000.0)
    assert last_run == {}  # not skipped for its whole interval (a day, for the settlement)


def test_a_job_cut_short_again_and_again_is_given_up_on_not_run_forever(tmp_path):
    from core.jobs import MAX_RELAYS
    from tests.conftest import migrated_sqlite

    app = create_app({"DATABASE_URL": migrated_sqlite(tmp_path), "LOG_LEVEL": "CRITICAL"})
    with app.app_context():
        _stale_record(db.session)
        db.session.add(JobOutbox(func="core.idempotency:purge_expired_idempotency_records", args=[], queue="low",
                                 job_id="outbox-poison", timeout=300, state=OutboxState.RELAYED,
                                 attempts=MAX_RELAYS, due_at=utcnow() - timedelta(seconds=1), relayed_at=utcnow()))
        db.session.commit()
        assert jobs.relay() == 0
    (row,) = _rows(app)
    assert row.state == OutboxState.FAILED and "without finishing" in row.last_error
    assert _keys(app) == {"old"}  # not run a sixth time
