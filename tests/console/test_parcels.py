"""Parcels at the gate in the console: the guard logs one and hands it over against its code."""
from __future__ import annotations

from sqlalchemy import select

from community.models import StaffRole
from community.parcels.models import Parcel
from tests.console.conftest import Console
from tests.factories import CommunityFactory, ResidencyFactory, UnitFactory, current_session, resident_of, staff_of


def test_a_guard_logs_a_parcel_and_hands_it_over_against_its_code(console: Console):
    community = CommunityFactory()
    unit = ResidencyFactory(unit=UnitFactory(building__community=community)).unit
    console.sign_in(staff_of(community, StaffRole.GUARD))
    base = f"/console/communities/{community.id}/parcels"
    console.get(base)
    refused = console.post(base, {"unit_id": str(unit.id), "carrier": "顺丰", "tracking_number": "x"})
    assert refused.status_code == 422 and 'class="field-error"' in refused.get_data(as_text=True)
    assert console.post(base, {"unit_id": str(unit.id), "carrier": "顺丰", "tracking_number": "SF1234567890",
                               "shelf": "A3"}).status_code == 302
    assert "SF1234567890" in console.get(base).get_data(as_text=True)
    code = current_session().scalar(select(Parcel.pickup_code).where(Parcel.tracking_number == "SF1234567890"))
    wrong = "000000" if code != "000000" else "111111"
    assert console.post(f"{base}/pickup", {"pickup_code": wrong, "collector_name": "李女士"}).status_code >= 400
    console.get(base)
    assert console.post(f"{base}/pickup", {"pickup_code": code, "collector_name": "李女士"}).status_code == 302
    assert "李女士" in console.get(f"{base}?status=collected").get_data(as_text=True)


def test_residents_and_other_communities_see_no_desk(console: Console):
    community, other = CommunityFactory(), CommunityFactory()
    console.sign_in(resident_of(community))
    assert console.get(f"/console/communities/{community.id}/parcels").status_code == 403
    console.client.delete_cookie("linli_console", path="/console")
    console.sign_in(staff_of(other, StaffRole.GUARD))
    assert console.get(f"/console/communities/{community.id}/parcels").status_code in (403, 404)
