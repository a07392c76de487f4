"""Real simultaneous requests on PostgreSQL: a slot never takes more than its capacity and a
household never more than its weekly limit, and a freed place goes to the wait list first."""

from sqlalchemy import func, select

from community.bookings.models import HOLDS_PLACE, Booking
from core.db import db
from tests.community.bookings.factories import AmenityFactory, BookingFactory, household, iso, member_of, slot
from tests.conftest import on_both_databases
from tests.factories import CommunityFactory, current_session
from tests.helpers import fire_together as _fire


def _holding(app, amenity_id, **where):
    with app.app_context():
        query = select(func.count()).where(Booking.amenity_id == amenity_id, Booking.status.in_(HOLDS_PLACE))
        for name, value in where.items():
            query = query.where(getattr(Booking, name) == value)
        return db.session.scalar(query)


@on_both_databases
def test_twenty_households_racing_for_the_last_three_places_get_exactly_three(app, committed):
    community = CommunityFactory()
    amenity = AmenityFactory(community=community, capacity=5)
    starts_at = slot(1, 19)
    for _ in range(2):
        user, unit = household(community)
        BookingFactory(amenity=amenity, user=user, unit=unit, starts_at=starts_at)
    racers = [household(community)[0] for _ in range(20)]
    current_session().commit()
    url = f"/api/communities/{community.id}/amenities/{amenity.id}/bookings"

    responses = _fire(app, [(url, {"starts_at": iso(starts_at)}, user) for user in racers])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 17, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"slot_full"}
    assert _holding(app, amenity.id, starts_at=starts_at) == 5


@on_both_databases
def test_one_household_firing_many_bookings_gets_exactly_its_weekly_limit(app, committed):
    community = CommunityFactory()
    amenity = AmenityFactory(community=community, capacity=10, weekly_limit=3)
    resident, unit = household(community)
    members = [resident] + [member_of(unit) for _ in range(3)]
    current_session().commit()
    url = f"/api/communities/{community.id}/amenities/{amenity.id}/bookings"
    requests = [(url, {"starts_at": iso(slot(1, hour))}, members[hour % len(members)]) for hour in range(6, 18)]

    responses = _fire(app, requests)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 3 + [409] * 9, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"weekly_limit_reached"}
    assert _holding(app, amenity.id, unit_id=unit.id) == 3


@on_both_databases
def test_members_of_one_household_racing_for_one_slot_get_one_place(app, committed):
    community = CommunityFactory()
    amenity = AmenityFactory(community=community, capacity=10)
    resident, unit = household(community)
    members = [resident] + [member_of(unit) for _ in range(7)]
    current_session().commit()
    url = f"/api/communities/{community.id}/amenities/{amenity.id}/bookings"

    responses = _fire(app, [(url, {"starts_at": iso(slot(1, 9))}, user) for user in members])

    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert _holding(app, amenity.id, unit_id=unit.id) == 1


@on_both_databases
def test_a_place_freed_while_others_race_for_it_goes_to_the_first_in_line(app, committed):
    community = CommunityFactory()
    amenity = AmenityFactory(community=community, capacity=1)
    starts_at = slot(2, 19)
    holder, holder_home = household(community)
    held = BookingFactory(amenity=amenity, user=holder, unit=holder_home, starts_at=starts_at)
    waiter, waiter_home = household(community)
    entry = BookingFactory(amenity=amenity, user=waiter, unit=waiter_home, starts_at=starts_at, status="waiting")
    racers = [household(community)[0] for _ in range(12)]
    current_session().commit()
    book = f"/api/communities/{community.id}/amenities/{amenity.id}/bookings"
    cancel = f"/api/communities/{community.id}/bookings/{held.id}/cancel"

    responses = _fire(app, [(cancel, {}, holder)] + [(book, {"starts_at": iso(starts_at)}, u) for u in racers])

    assert responses[0].status_code == 200
    assert {r.status_code for r in responses[1:]} == {409}
    with app.app_context():
        assert db.session.get(Booking, entry.id).status == "confirmed"
    assert _holding(app, amenity.id, starts_at=starts_at) == 1
