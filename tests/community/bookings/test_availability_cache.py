"""Availability cached per user: stale never, whatever books, cancels, closes or moves the clock."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from community.bookings import jobs, service
from community.bookings.queries import availability, unchanged_for
from community.bookings.schemas import AvailabilitySchema, dump_availability
from community.models import Residency
from community.queries import load_actor
from tests.community.bookings.factories import AmenityFactory, BookingFactory, household, iso, member_of, slot
from tests.conftest import bearer
from tests.factories import CommunityFactory, current_session, staff_of


@pytest.fixture
def community(connection):
    return CommunityFactory()


@pytest.fixture
def session(connection):
    return Session(bind=connection, join_transaction_mode="create_savepoint")


def _availability(client, user, amenity, **headers):
    response = client.get(f"/api/communities/{amenity.community_id}/amenities/{amenity.id}/availability",
                          headers={**bearer(user.id), **headers})
    assert response.status_code in (200, 304), response.get_data(as_text=True)
    return response


def _slot(response, starts_at):
    (found,) = [s for s in response.json["slots"] if s["starts_at"] == iso(starts_at)]
    return found


def _book(client, user, amenity, starts_at):
    response = client.post(f"/api/communities/{amenity.community_id}/amenities/{amenity.id}/bookings",
                           json={"starts_at": iso(starts_at)}, headers=bearer(user.id))
    assert response.status_code == 201, response.json
    return response.json


def test_availability_is_cached_so_the_tests_below_test_the_invalidation(client, connection, community):
    amenity = AmenityFactory(community=community, capacity=2)
    resident, _ = household(community)
    assert _slot(_availability(client, resident, amenity), slot(1, 9))["taken"] == 0
    connection.execute(text("UPDATE amenities SET capacity = 9 WHERE id = :id"), {"id": amenity.id})
    assert _slot(_availability(client, resident, amenity), slot(1, 9))["capacity"] == 2


def test_a_neighbours_booking_and_its_cancellation_show_at_once(client, community):
    amenity = AmenityFactory(community=community, capacity=2)
    resident, _ = household(community)
    neighbour, _ = household(community)
    first = _availability(client, resident, amenity)
    assert _slot(first, slot(1, 9))["available"] == 2
    booking = _book(client, neighbour, amenity, slot(1, 9))
    again = _availability(client, resident, amenity, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert _slot(again, slot(1, 9))["available"] == 1 and _slot(again, slot(1, 9))["mine"] is None
    cancelled = client.post(f"/api/communities/{community.id}/bookings/{booking['id']}/cancel",
                            headers=bearer(neighbour.id), json={})
    assert cancelled.status_code == 200
    assert _slot(_availability(client, resident, amenity), slot(1, 9))["available"] == 2


def test_each_user_sees_their_own_households_bookings(client, community):
    amenity = AmenityFactory(community=community, capacity=3)
    resident, home = household(community)
    family = member_of(home)
    neighbour, _ = household(community)
    for user in (resident, family, neighbour):
        assert _slot(_availability(client, user, amenity), slot(1, 9))["mine"] is None
    _book(client, resident, amenity, slot(1, 9))
    assert _slot(_availability(client, resident, amenity), slot(1, 9))["mine"] == "confirmed"
    assert _slot(_availability(client, family, amenity), slot(1, 9))["mine"] == "confirmed"  # the same household
    assert _slot(_availability(client, neighbour, amenity), slot(1, 9))["mine"] is None


def test_a_closure_and_new_rules_show_at_once(client, community):
    amenity = AmenityFactory(community=community, capacity=2)
    manager = staff_of(community)
    resident, _ = household(community)
    assert _slot(_availability(client, resident, amenity), slot(1, 9))["state"] == "open"
    closed = client.post(f"/api/communities/{community.id}/amenities/{amenity.id}/closures", headers=bearer(manager.id),
                         json={"starts_at": iso(slot(1, 8)), "ends_at": iso(slot(1, 11)), "reason": "保养"})
    assert closed.status_code == 201, closed.json
    assert _slot(_availability(client, resident, amenity), slot(1, 9))["state"] == "closed"
    more = client.patch(f"/api/communities/{community.id}/amenities/{amenity.id}", json={"capacity": 5},
                        headers=bearer(manager.id))
    assert more.status_code == 200
    assert _slot(_availability(client, resident, amenity), slot(2, 9))["capacity"] == 5


def test_a_resident_who_moves_out_loses_their_households_view_at_once(client, session, community):
    amenity = AmenityFactory(community=community, capacity=2)
    resident, home = household(community)
    _book(client, member_of(home), amenity, slot(1, 9))
    assert _slot(_availability(client, resident, amenity), slot(1, 9))["mine"] == "confirmed"
    residency = session.query(Residency).filter_by(user_id=resident.id).one()
    residency.status = "ended"
    session.commit()
    gone = client.get(f"/api/communities/{community.id}/amenities/{amenity.id}/availability",
                      headers=bearer(resident.id))
    assert gone.status_code == 404  # no longer a member of the community


def test_the_settling_job_shows_at_once(app, client, session, community):
    """It changes bookings with bulk UPDATEs: expired wait-list entries leave the count at once."""
    amenity = AmenityFactory(community=community, capacity=1)
    resident, home = household(community)
    neighbour, neighbours_home = household(community)
    started = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    BookingFactory(amenity=amenity, user=resident, unit=home, starts_at=started)
    BookingFactory(amenity=amenity, user=neighbour, unit=neighbours_home, starts_at=started, status="waiting")
    today = f"?from={(started + timedelta(hours=8)).date()}"
    path = f"/api/communities/{community.id}/amenities/{amenity.id}/availability{today}"
    before = client.get(path, headers=bearer(resident.id)).json
    assert [s["waiting"] for s in before["slots"] if s["starts_at"] == iso(started)] == [1]
    with app.app_context():
        assert jobs.settle_past_slots()["expired"] == 1
    after = client.get(path, headers=bearer(resident.id)).json
    assert [s["waiting"] for s in after["slots"] if s["starts_at"] == iso(started)] == [0]


def test_an_unchanged_availability_is_a_304_private_to_the_user(client, community):
    amenity = AmenityFactory(community=community)
    resident, _ = household(community)
    first = _availability(client, resident, amenity)
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = _availability(client, resident, amenity, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_an_availability_is_kept_no_longer_than_until_its_next_slot_starts_or_midnight():
    now = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai: midnight is 6 hours away

    def kept(*starts, longest=100_000):
        found = {"timezone": "Asia/Shanghai", "slots": [{"starts_at": now + start} for start in starts]}
        return unchanged_for(found, longest=longest, now=now)

    assert kept(timedelta(minutes=-5), timedelta(seconds=90)) == 90  # the next one to start
    assert kept(timedelta(hours=3)) == 3 * 3600
    assert kept(timedelta(hours=8)) == 6 * 3600  # midnight first
    assert kept() == 6 * 3600
    assert kept(timedelta(hours=3), longest=300) == 300
    assert kept(timedelta(milliseconds=500)) == 0  # not stored at all


def test_an_amenity_of_another_community_is_never_served_from_a_cache(client, community):
    amenity = AmenityFactory(community=community)
    resident, _ = household(community)
    elsewhere = CommunityFactory()
    stranger, _ = household(elsewhere)
    assert _availability(client, resident, amenity).status_code == 200
    wrong = client.get(f"/api/communities/{elsewhere.id}/amenities/{amenity.id}/availability",
                       headers=bearer(stranger.id))
    assert wrong.status_code == 404


def test_availability_is_written_as_its_schema_would_write_it(app, community):
    amenity = AmenityFactory(community=community, capacity=2)
    manager = staff_of(community)
    resident, home = household(community)
    neighbour, neighbours_home = household(community)
    BookingFactory(amenity=amenity, user=resident, unit=home, starts_at=slot(1, 9))
    BookingFactory(amenity=amenity, user=neighbour, unit=neighbours_home, starts_at=slot(1, 9), status="waiting")
    with app.app_context():
        session = current_session()
        service.add_closure(session, load_actor(session, manager.id), community.id, amenity.id,
                            starts_at=slot(2, 8), ends_at=slot(2, 12), reason="保养")
        found = availability(session, load_actor(session, resident.id), community.id, amenity.id)
    assert found["closures"] and any(s["mine"] for s in found["slots"])
    assert dump_availability(found) == AvailabilitySchema().dump(found)
