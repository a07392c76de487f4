"""Redis unreachable: what commits still commits, answers 2xx, and nothing it asked for is lost.

Each test points an app at a Redis port nobody answers on (or at a redis-server it kills), on
PostgreSQL and on SQLite; "Redis is back" is an app on the suite's real Redis.
"""
from __future__ import annotations

from rq import SimpleWorker
from sqlalchemy import func, select

from community.notifications.models import Notification
from community.requests.models import ServiceRequest
from core.db import db
from core.idempotency import IdempotencyRecord
from core.jobs import QUEUES, JobOutbox, OutboxState, jobs
from tests.community.requests.factories import CategoryFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of, staff_of
from tests.outage import outage_app, unreachable_redis_url


def _drain(app) -> None:
    """A real RQ worker in burst mode on `app`'s Redis."""
    with app.app_context():
        SimpleWorker([jobs.queue(name) for name in QUEUES], connection=jobs.redis).work(burst=True)


def _outbox(app) -> list[JobOutbox]:
    with app.app_context():
        return list(db.session.scalars(select(JobOutbox).order_by(JobOutbox.id)))


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_filing_a_request_with_redis_down_commits_once_and_its_notification_waits_for_redis(
        backend, redis_url):
    community = CommunityFactory()
    resident, manager = resident_of(community), staff_of(community)
    category = CategoryFactory(community=community)
    down = outage_app(backend.database_url, unreachable_redis_url())
    url = f"/api/communities/{community.id}/service-requests"
    body = {"category_id": category.id, "description": "楼道灯不亮", "location": {"kind": "common_area",
                                                                            "place": "3号楼楼道"}}
    headers = {**bearer(resident.id), "Idempotency-Key": "file-once"}

    first = down.test_client().post(url, json=body, headers=headers)
    retry = down.test_client().post(url, json=body, headers=headers)

    assert first.status_code == 201, first.get_data(as_text=True)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json["id"] == first.json["id"]
    assert _count(down, ServiceRequest) == 1
    with down.app_context():
        record = db.session.get(IdempotencyRecord, (resident.id, "file-once"))
        assert record.status_code == 201  # completed, not a claim left open to go stale
    (row,) = _outbox(down)
    assert row.state == OutboxState.PENDING and row.func.endswith(":deliver_notifications")
    assert _count(down, Notification) == 0

    back = outage_app(backend.database_url, redis_url)  # Redis is back: the relay moves what was left
    with back.app_context():
        assert jobs.relay() == 1
    _drain(back)
    assert _count(back, Notification, Notification.user_id == manager.id) == 1
    assert [r.state for r in _outbox(back)] == [OutboxState.DONE]
