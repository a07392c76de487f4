"""Bad input to visitor passes gets a 422 problem naming the field, never a 500."""
from datetime import timedelta

import pytest

from core.models import utcnow
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, staff_of
from tests.helpers import assert_invalid as _problem


@pytest.fixture
def host(connection):
    community = CommunityFactory()
    home = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community)))
    return {"headers": bearer(home.user_id), "url": f"/api/communities/{community.id}", "unit_id": home.unit_id,
            "guard": bearer(staff_of(community, "guard").id)}


def _later(**delta):
    return (utcnow() + timedelta(**delta)).isoformat()




@pytest.mark.parametrize(
    "change, field",
    [
        ({"unit_id": None}, "unit_id"),
        ({"unit_id": "1"}, "unit_id"),
        ({"unit_id": 2**70}, "unit_id"),
        ({"visitor_name": ""}, "visitor_name"),
        ({"visitor_name": "x" * 61}, "visitor_name"),
        ({"visitor_phone": "call me"}, "visitor_phone"),
        ({"visitor_phone": "1" * 30}, "visitor_phone"),
        ({"valid_until": "2030-01-01T08:00:00"}, "valid_until"),
        ({"valid_until": "0001-01-01T00:00:00+01:00"}, "valid_until"),
        ({"valid_from": "soon"}, "valid_from"),
        ({"entries_allowed": 0}, "entries_allowed"),
        ({"entries_allowed": 21}, "entries_allowed"),
        ({"entries_allowed": "2"}, "entries_allowed"),
        ({"entries_allowed": 1.5}, "entries_allowed"),
        ({"host_id": 1}, "host_id"),
    ],
)
def test_malformed_passes_are_422_per_field(client, host, change, field):
    body = {"unit_id": host["unit_id"], "visitor_name": "王小明", "valid_until": _later(hours=2), **change}
    body = {k: v for k, v in body.items() if v is not None}
    _problem(client.post(f"{host['url']}/visitor-passes", headers=host["headers"], json=body), field)


@pytest.mark.parametrize(
    "window, field",
    [
        ({"valid_until": _later(hours=-1)}, "valid_until"),
        ({"valid_from": _later(hours=5), "valid_until": _later(hours=4)}, "valid_until"),
        ({"valid_from": _later(hours=-2), "valid_until": _later(hours=4)}, "valid_from"),
        ({"valid_until": _later(days=31)}, "valid_until"),
    ],
)
def test_the_window_must_be_ordered_current_and_at_most_a_month(client, host, window, field):
    body = {"unit_id": host["unit_id"], "visitor_name": "王小明", **window}
    _problem(client.post(f"{host['url']}/visitor-passes", headers=host["headers"], json=body), field)


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "_schema"),
        ({"code": "ABCD2345", "payload": "x"}, "_schema"),
        ({"code": ""}, "code"),
        ({"code": "AB"}, "code"),
        ({"code": "ABCD'; DROP"}, "code"),
        ({"code": 12345678}, "code"),
        ({"payload": "x" * 513}, "payload"),
    ],
)
def test_an_admission_needs_exactly_one_well_formed_credential(client, host, body, field):
    _problem(client.post(f"{host['url']}/visitor-entries", headers=host["guard"], json=body), field)
