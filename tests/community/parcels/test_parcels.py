"""Parcels through the API: logging, household notification, pickup by code, reminders, reports."""
from datetime import timedelta

import pytest

from community.models import StaffRole
from community.parcels.jobs import remind_waiting_parcels, report_uncollected_parcels
from core.models import utcnow
from tests.community.parcels.factories import ParcelFactory
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, staff_of


@pytest.fixture
def desk(connection):
    community = CommunityFactory(timezone="Asia/Shanghai")
    unit = UnitFactory(building=BuildingFactory(community=community, name="2号楼"), number="1201")
    owner = ResidencyFactory(unit=unit)
    return {
        "community": community,
        "unit": unit,
        "owner": owner.user,
        "family": ResidencyFactory(unit=unit, relation="family").user,
        "applicant": ResidencyFactory(unit=unit, status="pending").user,
        "neighbour": ResidencyFactory(unit=UnitFactory(building=unit.building)).user,
        "guard": staff_of(community, StaffRole.GUARD),
        "manager": staff_of(community),
    }


def _url(desk, suffix=""):
    return f"/api/communities/{desk['community'].id}/parcels{suffix}"


def _inbox(client, user):
    return client.get("/api/me/notifications", headers=bearer(user.id)).json["items"]


def test_staff_log_a_parcel_and_the_whole_household_gets_the_pickup_code(client, desk, run_jobs):
    logged = client.post(_url(desk), headers=bearer(desk["guard"].id),
                         json={"unit_id": desk["unit"].id, "carrier": "顺丰", "tracking_number": "SF1234567890",
                               "shelf": "A-3"})
    assert logged.status_code == 201, logged.json
    assert logged.json["status"] == "waiting" and "pickup_code" not in logged.json
    assert logged.json["unit"] == {"id": desk["unit"].id, "building_name": "2号楼", "number": "1201"}

    mine = client.get(_url(desk, "/mine"), headers=bearer(desk["family"].id)).json["items"]
    code = mine[0]["pickup_code"]
    assert len(code) == 6 and code.isdigit()
    run_jobs()
    for member in (desk["owner"], desk["family"]):
        (note,) = _inbox(client, member)
        assert note["kind"] == "parcel.arrived" and code in note["body"] and "SF1234567890" in note["body"]
    for outsider in (desk["applicant"], desk["neighbour"], desk["guard"]):
        assert _inbox(client, outsider) == []


def test_the_same_waiting_parcel_cannot_be_logged_twice(client, desk):
    body = {"unit_id": desk["unit"].id, "carrier": "京东", "tracking_number": "JD0001"}
    assert client.post(_url(desk), headers=bearer(desk["guard"].id), json=body).status_code == 201
    again = client.post(_url(desk), headers=bearer(desk["guard"].id), json=body)
    assert again.status_code == 409 and again.json["code"] == "parcel_already_logged"


def test_staff_hand_over_by_code_and_the_code_cannot_be_used_twice(client, desk, run_jobs):
    parcel = ParcelFactory(unit=desk["unit"], pickup_code="482913")
    staff = bearer(desk["manager"].id)
    handed = client.post(_url(desk, "/pickup"), headers=staff,
                         json={"pickup_code": "482913", "collector_name": "李女士的家人"})
    assert handed.status_code == 200, handed.json
    assert handed.json["id"] == parcel.id and handed.json["status"] == "collected"
    assert handed.json["collector_name"] == "李女士的家人" and handed.json["collected_at"]
    again = client.post(_url(desk, "/pickup"), headers=staff, json={"pickup_code": "482913", "collector_name": "x"})
    assert again.status_code == 409 and again.json["code"] == "parcel_already_collected"
    unknown = client.post(_url(desk, "/pickup"), headers=staff, json={"pickup_code": "000001", "collector_name": "x"})
    assert unknown.status_code == 404 and unknown.json["code"] == "pickup_code_unknown"
    mine = client.get(_url(desk, f"/{parcel.id}"), headers=bearer(desk["owner"].id)).json
    assert mine["status"] == "collected" and mine["collector_name"] == "李女士的家人"
    run_jobs()
    (told,) = _inbox(client, desk["family"])
    assert told["kind"] == "parcel.collected" and "李女士的家人" in told["body"]


def test_a_code_belongs_to_its_community(client, desk):
    elsewhere = ParcelFactory(pickup_code="777777")
    response = client.post(_url(desk, "/pickup"), headers=bearer(desk["guard"].id),
                           json={"pickup_code": "777777", "collector_name": "x"})
    assert response.status_code == 404
    assert elsewhere.collected_at is None


def test_residents_see_their_household_s_parcels_and_nobody_else_s(client, desk):
    ours = ParcelFactory(unit=desk["unit"])
    theirs = ParcelFactory(unit=UnitFactory(building=desk["unit"].building))
    owner = bearer(desk["owner"].id)
    assert [p["id"] for p in client.get(_url(desk, "/mine"), headers=owner).json["items"]] == [ours.id]
    assert client.get(_url(desk, f"/{ours.id}"), headers=owner).json["pickup_code"] == ours.pickup_code
    assert client.get(_url(desk, f"/{theirs.id}"), headers=owner).status_code == 404
    assert client.get(_url(desk, f"/{ours.id}"), headers=bearer(desk["neighbour"].id)).status_code == 404


def test_the_desk_list_filters_by_status_and_unit_and_shows_no_codes(client, desk):
    waiting = ParcelFactory(unit=desk["unit"])
    ParcelFactory(unit=desk["unit"], collected_at=utcnow(), collector_name="x")
    ParcelFactory(unit=UnitFactory(building=desk["unit"].building))
    guard = bearer(desk["guard"].id)
    everything = client.get(_url(desk), headers=guard)
    assert everything.json["total"] == 3 and "pickup_code" not in everything.get_data(as_text=True)
    filtered = client.get(_url(desk, f"?status=waiting&unit_id={desk['unit'].id}"), headers=guard).json
    assert [p["id"] for p in filtered["items"]] == [waiting.id]


def test_reminders_go_out_after_two_days_once_per_local_day(app, client, desk, run_jobs):
    # Noon in Shanghai: "five minutes later" must stay on the same local day whenever the test runs.
    now = utcnow().replace(hour=4, minute=0, second=0, microsecond=0)
    ParcelFactory(unit=desk["unit"], tracking_number="SFOLD1", arrived_at=now - timedelta(days=3))
    ParcelFactory(unit=desk["unit"], tracking_number="SFNEW1", arrived_at=now - timedelta(days=1))
    ParcelFactory(unit=desk["unit"], tracking_number="SFDONE", arrived_at=now - timedelta(days=5),
                  collected_at=now - timedelta(days=1), collector_name="x")
    with app.app_context():
        assert remind_waiting_parcels(now=now) == 1
        assert remind_waiting_parcels(now=now + timedelta(minutes=5)) == 0
    run_jobs()
    reminders = [n for n in _inbox(client, desk["owner"]) if n["kind"] == "parcel.reminder"]
    assert len(reminders) == 1 and "SFOLD1" in reminders[0]["body"]
    with app.app_context():
        assert remind_waiting_parcels(now=now + timedelta(days=1)) == 2
    run_jobs()
    assert len([n for n in _inbox(client, desk["family"]) if n["kind"] == "parcel.reminder"]) == 3


def test_parcels_waiting_a_week_are_reported_to_the_managers_daily_and_listed(app, client, desk, run_jobs):
    now = utcnow()
    old = ParcelFactory(unit=desk["unit"], arrived_at=now - timedelta(days=8))
    older = ParcelFactory(unit=desk["unit"], arrived_at=now - timedelta(days=10))
    ParcelFactory(unit=desk["unit"], arrived_at=now - timedelta(days=3))
    with app.app_context():
        assert report_uncollected_parcels(now=now) == 1
        assert report_uncollected_parcels(now=now + timedelta(minutes=1)) == 1
    run_jobs()
    (report,) = _inbox(client, desk["manager"])
    assert report["kind"] == "parcel.uncollected" and report["params"]["count"] == 2
    assert _inbox(client, desk["guard"]) == []

    listed = client.get(_url(desk, "/uncollected"), headers=bearer(desk["manager"].id)).json
    assert [p["id"] for p in listed["items"]] == [older.id, old.id]
    custom = client.get(_url(desk, "/uncollected?older_than_days=2"), headers=bearer(desk["manager"].id)).json
    assert custom["total"] == 3


def test_residents_neither_log_nor_hand_over_nor_see_the_desk(client, desk):
    ParcelFactory(unit=desk["unit"], pickup_code="123456")
    owner = bearer(desk["owner"].id)
    assert client.post(_url(desk), headers=owner, json={"unit_id": desk["unit"].id, "carrier": "x",
                                                        "tracking_number": "ABCD1234"}).status_code == 403
    assert client.post(_url(desk, "/pickup"), headers=owner,
                       json={"pickup_code": "123456", "collector_name": "me"}).status_code == 403
    assert client.get(_url(desk), headers=owner).status_code == 403
    assert client.get(_url(desk, "/uncollected"), headers=owner).status_code == 403
    assert client.get(_url(desk, "/uncollected"), headers=bearer(desk["guard"].id)).status_code == 403
