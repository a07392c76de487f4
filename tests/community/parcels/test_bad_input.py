"""Bad input to parcels gets a 422 problem naming the field, never a 500."""
import pytest

from community.models import StaffRole
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, staff_of
from tests.helpers import assert_invalid as _problem


@pytest.fixture
def desk(connection):
    community = CommunityFactory()
    unit = UnitFactory(building=BuildingFactory(community=community))
    return {"url": f"/api/communities/{community.id}/parcels", "unit_id": unit.id,
            "staff": bearer(staff_of(community, StaffRole.GUARD).id),
            "manager": bearer(staff_of(community).id),
            "resident": bearer(ResidencyFactory(unit=unit).user_id)}




@pytest.mark.parametrize(
    "change, field",
    [
        ({"unit_id": None}, "unit_id"),
        ({"unit_id": "3"}, "unit_id"),
        ({"unit_id": 0}, "unit_id"),
        ({"unit_id": 2**70}, "unit_id"),
        ({"carrier": ""}, "carrier"),
        ({"carrier": "x" * 41}, "carrier"),
        ({"tracking_number": "SF 123"}, "tracking_number"),
        ({"tracking_number": "abc"}, "tracking_number"),
        ({"tracking_number": "A" * 41}, "tracking_number"),
        ({"tracking_number": 123456}, "tracking_number"),
        ({"shelf": "x" * 41}, "shelf"),
        ({"pickup_code": "123456"}, "pickup_code"),
    ],
)
def test_malformed_parcels_are_422_per_field(client, desk, change, field):
    body = {"unit_id": desk["unit_id"], "carrier": "顺丰", "tracking_number": "SF1000", **change}
    body = {k: v for k, v in body.items() if v is not None}
    _problem(client.post(desk["url"], headers=desk["staff"], json=body), field)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"collector_name": "x"}, "pickup_code"),
        ({"pickup_code": "12345", "collector_name": "x"}, "pickup_code"),
        ({"pickup_code": "12345a", "collector_name": "x"}, "pickup_code"),
        ({"pickup_code": 123456, "collector_name": "x"}, "pickup_code"),
        ({"pickup_code": "123456"}, "collector_name"),
        ({"pickup_code": "123456", "collector_name": ""}, "collector_name"),
        ({"pickup_code": "123456", "collector_name": "x" * 61}, "collector_name"),
    ],
)
def test_malformed_hand_overs_are_422_per_field(client, desk, body, field):
    _problem(client.post(f"{desk['url']}/pickup", headers=desk["staff"], json=body), field)


@pytest.mark.parametrize(
    "who, suffix",
    [
        ("staff", "?status=lost"),
        ("staff", "?unit_id=0"),
        ("staff", "?unit_id=abc"),
        ("staff", "?unit_id=99999999999999999999999"),
        ("resident", "/mine?status=lost"),
        ("manager", "/uncollected?older_than_days=-1"),
        ("manager", "/uncollected?older_than_days=366"),
        ("manager", "/uncollected?older_than_days=many"),
    ],
)
def test_bad_list_arguments_are_422(client, desk, who, suffix):
    response = client.get(f"{desk['url']}{suffix}", headers=desk[who])
    assert response.status_code == 422 and response.content_type == "application/problem+json"
