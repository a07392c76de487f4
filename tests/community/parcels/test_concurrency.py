"""A pickup code is spent once, even when it is presented at several desks at the same moment."""
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from community.models import StaffRole
from community.parcels.models import Parcel
from core.db import db
from tests.community.parcels.factories import ParcelFactory
from tests.conftest import bearer, on_both_databases
from tests.factories import BuildingFactory, CommunityFactory, UnitFactory, current_session, staff_of


@on_both_databases
def test_simultaneous_pickups_with_one_code_hand_over_exactly_once(app, committed):
    community = CommunityFactory()
    parcel = ParcelFactory(unit=UnitFactory(building=BuildingFactory(community=community)), pickup_code="246810")
    staff = [staff_of(community, role) for role in (StaffRole.GUARD, StaffRole.MAINTENANCE, StaffRole.MANAGER)]
    current_session().commit()
    url = f"/api/communities/{community.id}/parcels/pickup"

    def pick_up(i):
        return app.test_client().post(url, headers=bearer(staff[i % len(staff)].id),
                                      json={"pickup_code": "246810", "collector_name": f"取件人{i}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(pick_up, range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 11, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"parcel_already_collected"}
    winner = next(r.json for r in responses if r.status_code == 200)
    with app.app_context():
        stored = db.session.scalar(select(Parcel).where(Parcel.id == parcel.id))
        assert stored.collector_name == winner["collector_name"] and stored.collected_at is not None
