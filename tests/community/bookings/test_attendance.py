"""Check-in by staff, no-shows marked by the periodic job, and blocks after repeated no-shows."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.bookings import jobs
from community.bookings.models import Block, Booking
from community.models import StaffRole
from core.db import db
from core.jobs import jobs as job_runner
from core.models import utcnow
from tests.community.bookings.factories import AmenityFactory, BookingFactory, household, iso, slot
from tests.conftest import bearer
from tests.factories import CommunityFactory, staff_of


@pytest.fixture
def community(connection):
    return CommunityFactory()


def _check_in(client, user, booking):
    return client.post(f"/api/communities/{booking.community_id}/bookings/{booking.id}/check-in",
                       headers=bearer(user.id))


def _settle(app, now=None):
    with app.app_context():
        return jobs.settle_past_slots(now)


def _statuses(app, *bookings):
    with app.app_context():
        return [db.session.get(Booking, b.id).status for b in bookings]


@pytest.mark.parametrize("role", [StaffRole.GUARD, StaffRole.MAINTENANCE, StaffRole.MANAGER])
def test_staff_check_a_resident_in_while_the_slot_is_on(client, community, role):
    amenity = AmenityFactory(community=community)
    resident, unit = household(community)
    booking = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() - timedelta(minutes=10))
    staff = staff_of(community, role)
    response = _check_in(client, staff, booking)
    assert response.status_code == 200
    assert response.json["status"] == "attended" and response.json["checked_in_at"] is not None
    twice = _check_in(client, staff, booking)
    assert twice.status_code == 409 and twice.json["code"] == "booking_not_confirmed"


def test_check_in_opens_half_an_hour_before_the_start_and_closes_at_the_end(client, community):
    amenity = AmenityFactory(community=community)
    resident, unit = household(community)
    guard = staff_of(community, StaffRole.GUARD)
    soon = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() + timedelta(minutes=20))
    later = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() + timedelta(minutes=40))
    over = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() - timedelta(minutes=61))
    assert _check_in(client, guard, soon).status_code == 200
    for booking in (later, over):
        response = _check_in(client, guard, booking)
        assert response.status_code == 409 and response.json["code"] == "check_in_not_open"


def test_residents_cannot_check_themselves_in(client, community):
    amenity = AmenityFactory(community=community)
    resident, unit = household(community)
    booking = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow())
    assert _check_in(client, resident, booking).status_code == 403


def test_the_job_marks_unattended_ended_bookings_as_no_shows_and_expires_waiting(app, community):
    amenity = AmenityFactory(community=community)
    resident, unit = household(community)
    other, other_unit = household(community)
    now = utcnow()
    missed = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=now - timedelta(hours=2))
    attended = BookingFactory(amenity=amenity, user=other, unit=other_unit, starts_at=now - timedelta(hours=2),
                              status="attended")
    running = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=now - timedelta(minutes=30))
    stale = BookingFactory(amenity=amenity, user=other, unit=other_unit, starts_at=now - timedelta(minutes=30),
                           status="waiting")
    upcoming = BookingFactory(amenity=amenity, user=other, unit=other_unit, starts_at=now + timedelta(hours=1),
                              status="waiting")

    assert _settle(app, now) == {"no_shows": 1, "expired": 1, "blocked": 0}
    assert _statuses(app, missed, attended, running, stale, upcoming) == [
        "no_show", "attended", "confirmed", "expired", "waiting"]
    assert _settle(app, now) == {"no_shows": 0, "expired": 0, "blocked": 0}


def test_the_periodic_job_runs_through_the_worker(app, community, run_jobs):
    amenity = AmenityFactory(community=community)
    resident, unit = household(community)
    missed = BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() - timedelta(hours=3))
    assert "bookings.settle-past-slots" in {p.id for p in jobs.PERIODIC}
    with app.app_context():
        job_runner.enqueue(jobs.settle_past_slots)
    run_jobs()
    assert _statuses(app, missed) == ["no_show"]


def test_repeated_no_shows_block_the_household_until_a_manager_lifts_it(app, client, community, run_jobs):
    amenity = AmenityFactory(community=community, name="烧烤区", no_show_limit=2, no_show_block_days=14)
    resident, unit = household(community)
    now = utcnow()
    for hours in (30, 5):
        BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=now - timedelta(hours=hours))
    # Long forgiven: older than the 30-day window.
    BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=now - timedelta(days=40), status="no_show")

    assert _settle(app, now) == {"no_shows": 2, "expired": 0, "blocked": 1}
    book = {"starts_at": iso(slot(1, 10))}
    url = f"/api/communities/{community.id}/amenities/{amenity.id}"
    refused = client.post(f"{url}/bookings", json=book, headers=bearer(resident.id))
    assert refused.status_code == 409 and refused.json["code"] == "household_blocked"
    assert refused.json["blocked_until"].startswith(str((now + timedelta(days=14)).date()))
    waiting_refused = client.post(f"{url}/wait-list", json=book, headers=bearer(resident.id))
    assert waiting_refused.json["code"] == "household_blocked"

    run_jobs()
    (note,) = client.get("/api/me/notifications", headers={**bearer(resident.id), "Accept-Language": "en"}).json[
        "items"]
    assert note["kind"] == "booking.household_blocked" and "2" in note["body"]

    manager = staff_of(community)
    blocks = client.get(f"{url}/blocks?active=true", headers=bearer(manager.id)).json
    (block,) = blocks["items"]
    assert (block["unit"]["id"], block["no_shows"]) == (unit.id, 2)
    lifted = client.post(f"{url}/blocks/{block['id']}/lift", headers=bearer(manager.id))
    assert lifted.status_code == 200 and lifted.json["lifted_at"] is not None
    again = client.post(f"{url}/blocks/{block['id']}/lift", headers=bearer(manager.id))
    assert again.status_code == 409 and again.json["code"] == "block_not_active"
    assert client.get(f"{url}/blocks?active=true", headers=bearer(manager.id)).json["total"] == 0
    assert client.post(f"{url}/bookings", json=book, headers=bearer(resident.id)).status_code == 201

    # The no-shows before the block are spent: one more does not block again.
    BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() - timedelta(hours=2))
    assert _settle(app)["blocked"] == 0


def test_a_no_show_limit_of_zero_never_blocks(app, community):
    amenity = AmenityFactory(community=community, no_show_limit=0)
    resident, unit = household(community)
    for hours in (2, 4, 6, 8):
        BookingFactory(amenity=amenity, user=resident, unit=unit, starts_at=utcnow() - timedelta(hours=hours))
    assert _settle(app)["blocked"] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Block)) == 0
