"""Visitor passes through the API: issue, admit at the gate by code or QR, refusals, revocation, log."""
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from community.models import StaffRole
from community.visitors.service import CODE_ALPHABET, CODE_LENGTH
from core.models import utcnow
from tests.community.visitors.factories import VisitorPassFactory
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, staff_of


@pytest.fixture
def gate(connection):
    community = CommunityFactory()
    home = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community, name="3号楼"),
                                             number="502"))
    return {
        "community": community,
        "home": home,
        "host": home.user,
        "guard": staff_of(community, StaffRole.GUARD),
        "manager": staff_of(community),
    }


def _passes(gate, suffix=""):
    return f"/api/communities/{gate['community'].id}/visitor-passes{suffix}"


def _admit(gate):
    return f"/api/communities/{gate['community'].id}/visitor-entries"


def _issue(client, gate, **overrides):
    body = {"unit_id": gate["home"].unit_id, "visitor_name": "王小明", "visitor_phone": "13800138000",
            "valid_until": (utcnow() + timedelta(hours=3)).isoformat(), "entries_allowed": 2, **overrides}
    return client.post(_passes(gate), headers=bearer(gate["host"].id), json=body)


def test_a_resident_issues_a_pass_and_the_guard_admits_the_visitor_by_code(client, gate):
    issued = _issue(client, gate)
    assert issued.status_code == 201, issued.json
    code = issued.json["code"]
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert issued.json["qr_payload"] and issued.json["status"] == "active"
    assert issued.json["visitor_phone"] == "13800138000"  # the host sees what they typed

    admitted = client.post(_admit(gate), headers=bearer(gate["guard"].id), json={"code": code})
    assert admitted.status_code == 201, admitted.json
    seen = admitted.json["pass"]
    assert seen["visitor_name"] == "王小明" and seen["visitor_phone"] == "138****8000"
    assert seen["unit"] == {"id": gate["home"].unit_id, "building_name": "3号楼", "number": "502"}
    assert seen["entries_remaining"] == 1
    assert "host_id" not in seen and "code" not in seen and "qr_payload" not in seen
    assert gate["host"].phone not in admitted.get_data(as_text=True)

    log = client.get(_passes(gate, f"/{issued.json['id']}/entries"), headers=bearer(gate["host"].id))
    assert log.status_code == 200
    (entry,) = log.json["items"]
    assert entry["guard"] == {"id": gate["guard"].id, "display_name": gate["guard"].display_name}
    assert entry["entered_at"] == admitted.json["entered_at"]


def test_the_guard_may_type_the_code_in_any_case_with_separators(client, gate):
    visitor_pass = VisitorPassFactory(residency=gate["home"], code="ABCD2345")
    response = client.post(_admit(gate), headers=bearer(gate["guard"].id), json={"code": "abcd-2345"})
    assert response.status_code == 201 and response.json["pass"]["id"] == visitor_pass.id


def test_the_qr_payload_admits_and_a_forged_or_altered_one_is_refused(app, client, gate):
    issued = _issue(client, gate).json
    guard = bearer(gate["guard"].id)
    payload = issued["qr_payload"]
    altered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    forged = URLSafeSerializer("someone-else's-secret-key-of-some-length", salt="linli.visitor-pass").dumps(
        {"pass": issued["id"], "code": issued["code"]})
    for bad in (altered, forged, "not-a-payload"):
        response = client.post(_admit(gate), headers=guard, json={"payload": bad})
        assert response.status_code == 422, bad
        assert response.json["code"] == "visitor_pass_payload_invalid"
    assert client.post(_admit(gate), headers=guard, json={"payload": payload}).status_code == 201


def test_entries_run_out(client, gate):
    visitor_pass = VisitorPassFactory(residency=gate["home"], entries_allowed=2)
    guard = bearer(gate["guard"].id)
    for _ in range(2):
        assert client.post(_admit(gate), headers=guard, json={"code": visitor_pass.code}).status_code == 201
    refused = client.post(_admit(gate), headers=guard, json={"code": visitor_pass.code})
    assert refused.status_code == 409 and refused.json["code"] == "visitor_pass_used_up"
    status = client.get(_passes(gate, f"/{visitor_pass.id}"), headers=bearer(gate["host"].id)).json
    assert (status["entries_used"], status["entries_remaining"], status["status"]) == (2, 0, "used_up")


@pytest.mark.parametrize(
    "window, code",
    [
        ({"valid_from": timedelta(hours=1), "valid_until": timedelta(hours=2)}, "visitor_pass_not_yet_valid"),
        ({"valid_from": timedelta(hours=-3), "valid_until": timedelta(hours=-1)}, "visitor_pass_expired"),
    ],
)
def test_a_pass_outside_its_window_is_refused_with_a_clear_code(client, gate, window, code):
    now = utcnow()
    visitor_pass = VisitorPassFactory(residency=gate["home"], **{k: now + v for k, v in window.items()})
    refused = client.post(_admit(gate), headers=bearer(gate["guard"].id), json={"code": visitor_pass.code})
    assert refused.status_code == 409 and refused.json["code"] == code


def test_the_host_revokes_a_pass_and_it_admits_nobody_more(client, gate):
    visitor_pass = VisitorPassFactory(residency=gate["home"], entries_allowed=5)
    host = bearer(gate["host"].id)
    revoked = client.post(_passes(gate, f"/{visitor_pass.id}/revoke"), headers=host)
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked" and revoked.json["revoked_at"]
    assert client.post(_passes(gate, f"/{visitor_pass.id}/revoke"), headers=host).json["revoked_at"] == \
        revoked.json["revoked_at"]
    for body in ({"code": visitor_pass.code}, {"payload": revoked.json["qr_payload"]}):
        refused = client.post(_admit(gate), headers=bearer(gate["guard"].id), json=body)
        assert refused.status_code == 409 and refused.json["code"] == "visitor_pass_revoked"


def test_a_manager_sees_and_revokes_any_pass_of_the_community(client, gate):
    visitor_pass = VisitorPassFactory(residency=gate["home"])
    manager = bearer(gate["manager"].id)
    listing = client.get(_passes(gate), headers=manager).json
    assert [p["id"] for p in listing["items"]] == [visitor_pass.id]
    assert client.post(_passes(gate, f"/{visitor_pass.id}/revoke"), headers=manager).status_code == 200


def test_a_guard_sees_no_passes_beyond_what_admitting_shows(client, gate):
    VisitorPassFactory(residency=gate["home"])
    assert client.get(_passes(gate), headers=bearer(gate["guard"].id)).json["items"] == []


def test_a_resident_issues_passes_only_for_their_own_home(client, gate):
    neighbour_unit = UnitFactory(building=BuildingFactory(community=gate["community"]))
    refused = _issue(client, gate, unit_id=neighbour_unit.id)
    assert refused.status_code == 403
    pending = ResidencyFactory(unit=neighbour_unit, status="pending")
    not_yet = client.post(_passes(gate), headers=bearer(pending.user_id), json={
        "unit_id": neighbour_unit.id, "visitor_name": "x", "valid_until": (utcnow() + timedelta(hours=1)).isoformat()})
    assert not_yet.status_code == 404  # a pending claim is no membership of the community


def test_the_guard_admits_only_for_their_own_community(client, gate):
    elsewhere = VisitorPassFactory()
    response = client.post(_admit(gate), headers=bearer(gate["guard"].id), json={"code": elsewhere.code})
    assert response.status_code == 404
    issued_elsewhere = client.get(
        f"/api/communities/{elsewhere.community_id}/visitor-passes/{elsewhere.id}",
        headers=bearer(elsewhere.host_id)).json
    by_payload = client.post(_admit(gate), headers=bearer(gate["guard"].id),
                             json={"payload": issued_elsewhere["qr_payload"]})
    assert by_payload.status_code == 404
