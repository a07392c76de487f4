"""The SLA clock: deadlines from the category, breaches marked once by the periodic job, holds pause it."""
from datetime import datetime, timedelta

from community.models import StaffRole
from community.requests import jobs
from community.requests.models import RequestEvent, ServiceRequest
from core.db import db
from core.jobs import jobs as job_runner
from core.models import utcnow
from tests.community.requests.factories import CategoryFactory, ServiceRequestFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of, staff_of


def _get(app, request_id):
    with app.app_context():
        return db.session.get(ServiceRequest, request_id)


def test_deadlines_come_from_the_category_and_emergencies_are_shorter(client):
    community = CommunityFactory()
    manager, resident = staff_of(community), resident_of(community)
    made = client.post(f"/api/communities/{community.id}/request-categories", headers=bearer(manager.id),
                       json={"code": "gas", "name": "燃气泄漏", "is_emergency": True})
    assert made.status_code == 201
    assert (made.json["first_response_minutes"], made.json["resolution_minutes"]) == (30, 240)
    ordinary = client.post(f"/api/communities/{community.id}/request-categories", headers=bearer(manager.id),
                           json={"code": "paint", "name": "墙面", "first_response_minutes": 60,
                                 "resolution_minutes": 600})
    assert ordinary.json["resolution_minutes"] == 600
    filed = client.post(f"/api/communities/{community.id}/service-requests", headers=bearer(resident.id),
                        json={"category_id": made.json["id"], "description": "闻到燃气味",
                              "location": {"kind": "common_area", "place": "2号楼楼道"}}).json
    start = datetime.fromisoformat(filed["created_at"])
    assert datetime.fromisoformat(filed["first_response_due_at"]) - start == timedelta(minutes=30)
    assert datetime.fromisoformat(filed["resolution_due_at"]) - start == timedelta(minutes=240)


def test_the_job_marks_overdue_requests_once_and_tells_the_assignee_and_managers(app, client, run_jobs):
    community = CommunityFactory()
    manager = staff_of(community)
    plumber = staff_of(community, StaffRole.MAINTENANCE)
    category = CategoryFactory(community=community, first_response_minutes=60, resolution_minutes=120)
    long_ago = utcnow() - timedelta(hours=3)
    unanswered = ServiceRequestFactory(category=category, created_at=long_ago, assignee_id=plumber.id)
    answered_late = ServiceRequestFactory(category=category, created_at=long_ago, status="in_progress",
                                          first_responded_at=long_ago + timedelta(minutes=10))
    fresh = ServiceRequestFactory(category=category)
    held = ServiceRequestFactory(category=category, created_at=long_ago, status="on_hold",
                                 first_responded_at=long_ago, held_at=long_ago)
    done = ServiceRequestFactory(category=category, created_at=long_ago, status="resolved",
                                 first_responded_at=long_ago, resolved_at=long_ago + timedelta(minutes=30))

    with app.app_context():
        job_runner.enqueue(jobs.check_sla)
    run_jobs()
    run_jobs()  # the notifications the job queued
    assert _get(app, unanswered.id).first_response_breached_at is not None
    assert _get(app, unanswered.id).resolution_breached_at is not None
    assert _get(app, answered_late.id).first_response_breached_at is None
    assert _get(app, answered_late.id).resolution_breached_at is not None
    for untouched in (fresh, held, done):
        assert not _get(app, untouched.id).breached

    with app.app_context():
        assert jobs.check_sla() == 0  # a second run finds nothing new
    for person, expected in ((plumber, 2), (manager, 3)):
        inbox = client.get("/api/me/notifications", headers=bearer(person.id)).json
        assert inbox["total"] == expected, [n["kind"] for n in inbox["items"]]
    queue = client.get(f"/api/communities/{community.id}/service-requests?breached=true&sort=-created_at",
                       headers=bearer(manager.id)).json
    assert {r["id"] for r in queue["items"]} == {unanswered.id, answered_late.id}
    with app.app_context():
        actions = {e.action for e in db.session.query(RequestEvent).filter_by(request_id=unanswered.id)}
    assert actions == {"first_response_overdue", "resolution_overdue"}


def test_a_late_answer_counts_as_a_breach_without_the_job(client):
    community = CommunityFactory()
    manager = staff_of(community)
    category = CategoryFactory(community=community, first_response_minutes=60)
    late = ServiceRequestFactory(category=category, created_at=utcnow() - timedelta(hours=2))
    response = client.post(f"/api/communities/{community.id}/service-requests/{late.id}/transitions",
                           json={"action": "acknowledge"}, headers=bearer(manager.id))
    assert response.json["breached"] is True and response.json["first_response_breached_at"]


def test_time_on_hold_does_not_count_against_the_resolution(app, client):
    community = CommunityFactory()
    manager = staff_of(community)
    category = CategoryFactory(community=community, resolution_minutes=24 * 60)
    created = utcnow() - timedelta(hours=20)
    held = ServiceRequestFactory(category=category, created_at=created, status="on_hold", first_responded_at=created,
                                 held_at=utcnow() - timedelta(hours=10))
    due_before = _get(app, held.id).resolution_due_at
    resumed = client.post(f"/api/communities/{community.id}/service-requests/{held.id}/transitions",
                          json={"action": "resume"}, headers=bearer(manager.id))
    assert resumed.status_code == 200
    shift = _get(app, held.id).resolution_due_at - due_before
    assert timedelta(hours=10) <= shift < timedelta(hours=10, minutes=1)
    with app.app_context():
        assert jobs.check_sla(utcnow() + timedelta(hours=5)) == 0
        assert jobs.check_sla(utcnow() + timedelta(hours=15)) == 1


def test_resolved_requests_close_when_the_reopen_window_passes(app, connection):
    community = CommunityFactory()
    category = CategoryFactory(community=community)
    recent = ServiceRequestFactory(category=category, status="resolved", resolved_at=utcnow() - timedelta(hours=1))
    old = ServiceRequestFactory(category=category, status="resolved", resolved_at=utcnow() - timedelta(hours=80))
    with app.app_context():
        assert jobs.close_resolved() == 1
        assert jobs.close_resolved() == 0
    assert _get(app, old.id).status == "closed" and _get(app, recent.id).status == "resolved"
