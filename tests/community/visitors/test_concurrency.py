"""The last entries of a pass are not double-spent by simultaneous scans at several gates."""
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from community.models import StaffRole
from community.visitors.models import VisitorEntry, VisitorPass
from core.db import db
from tests.community.visitors.factories import VisitorPassFactory
from tests.conftest import bearer, on_both_databases
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    UnitFactory,
    current_session,
    staff_of,
)


def _scan_simultaneously(app, visitor_pass, guards, scans):
    url = f"/api/communities/{visitor_pass.community_id}/visitor-entries"

    def scan(i):
        headers = bearer(guards[i % len(guards)].id)
        return app.test_client().post(url, json={"code": visitor_pass.code}, headers=headers)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(scan, range(scans)))


def _spent(app, pass_id):
    with app.app_context():
        used = db.session.scalar(select(VisitorPass.entries_used).where(VisitorPass.id == pass_id))
        logged = db.session.scalar(select(func.count()).where(VisitorEntry.pass_id == pass_id))
        return used, logged


def _pass_and_guards(guards, **fields):
    community = CommunityFactory()
    home = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community)))
    visitor_pass = VisitorPassFactory(residency=home, **fields)
    staff = [staff_of(community, StaffRole.GUARD) for _ in range(guards)]
    current_session().commit()
    return visitor_pass, staff


@on_both_databases
def test_simultaneous_scans_of_a_pass_with_one_entry_left_admit_exactly_one(app, committed):
    visitor_pass, guards = _pass_and_guards(4, entries_allowed=3, entries_used=2)

    responses = _scan_simultaneously(app, visitor_pass, guards, scans=12)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 11, statuses
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"visitor_pass_used_up"}
    assert _spent(app, visitor_pass.id) == (3, 1)


@on_both_databases
def test_simultaneous_scans_admit_exactly_as_many_as_the_pass_allows(app, committed):
    visitor_pass, guards = _pass_and_guards(3, entries_allowed=3)

    responses = _scan_simultaneously(app, visitor_pass, guards, scans=16)
    assert sum(r.status_code == 201 for r in responses) == 3
    assert sum(r.status_code == 409 for r in responses) == 13
    assert _spent(app, visitor_pass.id) == (3, 3)

