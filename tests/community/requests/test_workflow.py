"""Filing, following, triaging and closing a service request through the API."""
from datetime import date, timedelta

import pytest

from community.models import StaffRole
from community.requests.models import ServiceRequest
from core.db import db
from core.models import utcnow
from tests.community.requests.factories import CategoryFactory, ServiceRequestFactory
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    UnitFactory,
    current_session,
    resident_of,
    staff_of,
)

LEAK_FIELDS = [
    {"code": "room", "label": "哪个房间", "type": "single_choice", "required": True,
     "options": [{"key": "kitchen", "name": "厨房"}, {"key": "bathroom", "name": "卫生间"}]},
    {"code": "since", "label": "从哪天开始", "type": "date"},
    {"code": "drips", "label": "每分钟滴几滴", "type": "number"},
    {"code": "extras", "label": "其他", "type": "multi_choice",
     "options": [{"key": "smell", "name": "有异味"}, {"key": "noise", "name": "有噪音"}]},
    {"code": "note", "label": "备注", "type": "text"},
]


@pytest.fixture
def home(connection):
    community = CommunityFactory(timezone="Asia/Shanghai")
    residency = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community, name="3号楼"),
                                                  number="502"))
    return {
        "community": community,
        "resident": residency.user,
        "unit": residency.unit,
        "manager": staff_of(community),
        "plumber": staff_of(community, StaffRole.MAINTENANCE),
        "leak": CategoryFactory(community=community, code="leak", name="漏水", fields=LEAK_FIELDS),
    }


def _url(home, suffix=""):
    return f"/api/communities/{home['community'].id}/service-requests{suffix}"


def _file(client, home, **overrides):
    body = {"category_id": home["leak"].id, "description": "厨房水管漏水", "location": {"kind": "unit"},
            "answers": {"room": "kitchen"}, **overrides}
    return client.post(_url(home), json=body, headers=bearer(home["resident"].id))


def _move(client, home, request_id, who, action, **extra):
    return client.post(_url(home, f"/{request_id}/transitions"), json={"action": action, **extra},
                       headers=bearer(home[who].id))


def test_a_resident_files_follows_reopens_and_rates_while_staff_triage_and_resolve(client, home, run_jobs):
    filed = _file(client, home, photos=["https://img.example.cn/leak.jpg"],
                  visit_from="2030-01-05T09:00:00+08:00", visit_to="2030-01-05T12:00:00+08:00",
                  answers={"room": "kitchen", "since": "2026-11-20", "drips": "12", "extras": ["noise", "smell"]})
    assert filed.status_code == 201, filed.json
    request = filed.json
    rid = request["id"]
    assert request["status"] == "new"
    assert request["location"]["unit_number"] == "502" and request["location"]["building_name"] == "3号楼"
    assert request["answers"] == {"room": "kitchen", "since": "2026-11-20", "drips": 12, "extras": ["smell", "noise"]}
    assert request["possible_duplicates"] == []

    queue = client.get(_url(home, "?open=true"), headers=bearer(home["manager"].id)).json
    assert [r["id"] for r in queue["items"]] == [rid]
    assert _move(client, home, rid, "manager", "acknowledge").json["first_responded_at"] is not None
    assigned = client.put(_url(home, f"/{rid}/assignment"), json={"assignee_id": home["plumber"].id},
                          headers=bearer(home["manager"].id))
    assert assigned.status_code == 200 and assigned.json["assignee"]["id"] == home["plumber"].id
    assert _move(client, home, rid, "plumber", "start").json["status"] == "in_progress"
    held = _move(client, home, rid, "plumber", "hold", reason="等配件", hold_until=(date.today() + timedelta(days=2))
                 .isoformat())
    assert held.json["status"] == "on_hold" and held.json["status_reason"] == "等配件"
    assert _move(client, home, rid, "plumber", "resume").json["status"] == "in_progress"
    resolved = _move(client, home, rid, "plumber", "resolve", reason="换了水管")
    assert resolved.json["status"] == "resolved" and resolved.json["resolved_at"]

    mine = client.get(_url(home, f"/{rid}"), headers=bearer(home["resident"].id)).json
    assert mine["status"] == "resolved"
    reopened = _move(client, home, rid, "resident", "reopen", reason="还在漏")
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["status"] == "in_progress" and reopened.json["reopen_count"] == 1
    run_jobs()
    inbox = client.get("/api/me/notifications?kind=service_request.reopened", headers=bearer(home["plumber"].id)).json
    assert inbox["total"] == 1 and "还在漏" in inbox["items"][0]["body"]
    resident_inbox = client.get("/api/me/notifications", headers=bearer(home["resident"].id)).json
    assert {"service_request.acknowledged", "service_request.in_progress", "service_request.on_hold",
            "service_request.resolved"} <= {n["kind"] for n in resident_inbox["items"]}

    assert _move(client, home, rid, "plumber", "resolve").status_code == 200
    rated = client.post(_url(home, f"/{rid}/rating"), json={"score": 5, "reasons": ["on_time", "tidy"]},
                        headers=bearer(home["resident"].id))
    assert rated.status_code == 201 and rated.json["status"] == "closed"
    assert rated.json["rating"]["score"] == 5 and rated.json["rating"]["reasons"] == ["on_time", "tidy"]

    history = client.get(_url(home, f"/{rid}/history"), headers=bearer(home["resident"].id)).json["items"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("filed", None, "new"),
        ("acknowledge", "new", "acknowledged"),
        ("assigned", "acknowledged", "acknowledged"),
        ("start", "acknowledged", "in_progress"),
        ("hold", "in_progress", "on_hold"),
        ("resume", "on_hold", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("reopen", "resolved", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("rated", "resolved", "resolved"),
        ("close", "resolved", "closed"),
    ]
    assert history[4]["reason"] == "等配件" and history[4]["actor"]["id"] == home["plumber"].id


def test_extra_fields_are_checked_against_the_category(client, home):
    missing = _file(client, home, answers={})
    assert missing.status_code == 422 and missing.json["errors"]["answers"]["room"]
    wrong = _file(client, home, answers={"room": "garage", "drips": "many", "since": "yesterday",
                                         "extras": ["smell", "x"], "unknown": 1})
    assert wrong.status_code == 422
    assert set(wrong.json["errors"]["answers"]) == {"room", "drips", "since", "extras", "unknown"}


def test_a_resident_files_only_for_their_own_unit(client, home):
    neighbour = UnitFactory(building=home["unit"].building)
    response = _file(client, home, location={"kind": "unit", "unit_id": neighbour.id})
    assert response.status_code == 422 and "unit_id" in response.json["errors"]["location"]
    point = _file(client, home, location={"kind": "point", "latitude": 31.2, "longitude": 121.4, "place": "东门"})
    assert point.status_code == 201 and point.json["location"]["kind"] == "point"
    area = _file(client, home, location={"kind": "common_area", "place": "地下车库",
                                         "building_id": home["unit"].building_id})
    assert area.status_code == 201 and area.json["location"]["building_name"] == "3号楼"


def test_an_archived_category_takes_no_requests(client, home):
    home["leak"].active = False
    current_session().commit()
    response = _file(client, home)
    assert response.status_code == 422 and response.json["code"] == "category_inactive"


def test_new_requests_are_assigned_by_the_category_rule(client, home):
    busy = home["plumber"]
    idle = staff_of(home["community"], StaffRole.MAINTENANCE)
    ServiceRequestFactory(category=home["leak"], assignee_id=busy.id)
    home["leak"].auto_assign = True
    current_session().commit()
    first = _file(client, home)
    assert first.json["assignee"]["id"] == idle.id  # the least busy of the group
    home["leak"].default_assignee_id = busy.id
    current_session().commit()
    second = _file(client, home)
    assert second.json["assignee"]["id"] == busy.id  # the named default wins


def test_internal_comments_never_reach_the_resident(client, home, run_jobs):
    rid = _file(client, home).json["id"]
    note = client.post(_url(home, f"/{rid}/comments"), json={"body": "这户上次也漏过", "internal": True},
                       headers=bearer(home["manager"].id))
    assert note.status_code == 201
    public = client.post(_url(home, f"/{rid}/comments"), json={"body": "明天上午来修"},
                         headers=bearer(home["manager"].id))
    assert public.status_code == 201
    reply = client.post(_url(home, f"/{rid}/comments"), json={"body": "好的, 谢谢"},
                        headers=bearer(home["resident"].id))
    assert reply.status_code == 201
    sneaky = client.post(_url(home, f"/{rid}/comments"), json={"body": "x", "internal": True},
                         headers=bearer(home["resident"].id))
    assert sneaky.status_code == 403

    seen = client.get(_url(home, f"/{rid}/comments"), headers=bearer(home["resident"].id)).json["items"]
    assert [c["body"] for c in seen] == ["明天上午来修", "好的, 谢谢"]
    staff_view = client.get(_url(home, f"/{rid}/comments"), headers=bearer(home["plumber"].id)).json["items"]
    assert len(staff_view) == 3
    run_jobs()
    inbox = client.get("/api/me/notifications", headers=bearer(home["resident"].id)).json["items"]
    bodies = " ".join(n["body"] for n in inbox)
    assert "明天上午来修" in bodies and "这户上次也漏过" not in bodies
    assert client.get(_url(home, f"/{rid}"), headers=bearer(home["resident"].id)).json["first_responded_at"]


@pytest.mark.parametrize("who, action, extra, status, code", [
    ("manager", "resolve", {}, 409, "transition_not_allowed"),
    ("manager", "close", {}, 409, "transition_not_allowed"),
    ("resident", "reopen", {"reason": "x"}, 409, "transition_not_allowed"),
    ("manager", "decline", {}, 422, "validation_failed"),
    ("manager", "hold", {"reason": "x"}, 409, "transition_not_allowed"),
    ("resident", "acknowledge", {}, 403, "forbidden"),
    ("resident", "decline", {"reason": "x"}, 403, "forbidden"),
    ("plumber", "acknowledge", {}, 403, "forbidden"),  # not assigned to them
    ("manager", "fly", {}, 422, "validation_failed"),
])
def test_moves_outside_the_workflow_are_refused(client, home, who, action, extra, status, code):
    rid = _file(client, home).json["id"]
    response = _move(client, home, rid, who, action, **extra)
    assert response.status_code == status, response.json
    assert response.json["code"] == code


def test_hold_needs_a_date_from_today_and_declining_needs_a_reason(client, home):
    rid = _file(client, home).json["id"]
    _move(client, home, rid, "manager", "start")
    assert _move(client, home, rid, "manager", "hold", reason="等配件").status_code == 422
    past = _move(client, home, rid, "manager", "hold", reason="等配件", hold_until="2020-01-01")
    assert past.status_code == 422 and "hold_until" in past.json["errors"]
    declined = _move(client, home, rid, "manager", "decline", reason="不属于物业维修范围")
    assert declined.json["status"] == "declined" and declined.json["status_reason"] == "不属于物业维修范围"


def test_a_resident_cannot_reopen_after_the_window(app, client, home):
    rid = _file(client, home).json["id"]
    _move(client, home, rid, "manager", "start")
    _move(client, home, rid, "manager", "resolve")
    with app.app_context():
        request = db.session.get(ServiceRequest, rid)
        request.resolved_at = utcnow() - timedelta(hours=73)
        db.session.commit()
    response = _move(client, home, rid, "resident", "reopen", reason="又坏了")
    assert response.status_code == 409 and response.json["code"] == "reopen_window_passed"
    shorter = client.patch(f"/api/communities/{home['community'].id}/service-request-settings",
                           json={"reopen_window_hours": 100}, headers=bearer(home["manager"].id))
    assert shorter.status_code == 200
    assert _move(client, home, rid, "resident", "reopen", reason="又坏了").status_code == 200


def test_only_the_requester_rates_once_after_resolution(client, home):
    rid = _file(client, home).json["id"]
    url = _url(home, f"/{rid}/rating")
    assert client.post(url, json={"score": 4}, headers=bearer(home["resident"].id)).json["code"] == "not_ratable"
    _move(client, home, rid, "manager", "start")
    _move(client, home, rid, "manager", "resolve")
    assert client.post(url, json={"score": 4}, headers=bearer(home["manager"].id)).status_code == 403
    assert client.post(url, json={"score": 6}, headers=bearer(home["resident"].id)).status_code == 422
    assert client.post(url, json={"score": 4, "reasons": ["bribed"]},
                       headers=bearer(home["resident"].id)).status_code == 422
    assert client.post(url, json={"score": 2, "comment": "慢"}, headers=bearer(home["resident"].id)).status_code == 201
    again = client.post(url, json={"score": 5}, headers=bearer(home["resident"].id))
    assert again.status_code == 409 and again.json["code"] == "already_rated"


def test_requester_contact_goes_to_managers_and_the_assignee_only(client, home):
    rid = _file(client, home).json["id"]
    other_plumber = staff_of(home["community"], StaffRole.MAINTENANCE)
    phone = home["resident"].phone
    assert client.get(_url(home, f"/{rid}"), headers=bearer(home["manager"].id)).json["requester"]["phone"] == phone
    assert client.get(_url(home, f"/{rid}"), headers=bearer(other_plumber.id)).json["requester"] is None
    client.put(_url(home, f"/{rid}/assignment"), json={"assignee_id": other_plumber.id},
               headers=bearer(home["manager"].id))
    assert client.get(_url(home, f"/{rid}"), headers=bearer(other_plumber.id)).json["requester"]["phone"] == phone
    listing = client.get(_url(home), headers=bearer(home["plumber"].id)).get_data(as_text=True)
    assert phone not in listing


def test_assignment_only_to_queue_staff(client, home):
    rid = _file(client, home).json["id"]
    guard = staff_of(home["community"], StaffRole.GUARD)
    for assignee in (guard.id, home["resident"].id, staff_of(CommunityFactory()).id):
        response = client.put(_url(home, f"/{rid}/assignment"), json={"assignee_id": assignee},
                              headers=bearer(home["manager"].id))
        assert response.status_code == 422 and response.json["code"] == "assignee_not_staff"
    assert client.put(_url(home, f"/{rid}/assignment"), json={"assignee_id": None},
                      headers=bearer(home["manager"].id)).json["assignee"] is None


def test_filing_suggests_open_requests_of_the_category_nearby_and_staff_merge_them(client, home, run_jobs):
    building = home["unit"].building
    building.latitude, building.longitude = 31.2300, 121.4700
    current_session().commit()
    hallway = ServiceRequestFactory(category=home["leak"], building_id=building.id, place="3号楼楼道")
    near_point = ServiceRequestFactory(category=home["leak"], location_kind="point", place=None,
                                       latitude=31.23010, longitude=121.47010)
    ServiceRequestFactory(category=home["leak"], location_kind="point", place=None, latitude=31.2400, longitude=121.47)
    ServiceRequestFactory(category=CategoryFactory(community=home["community"]), building_id=building.id)
    ServiceRequestFactory(category=home["leak"], building_id=building.id, status="resolved")
    neighbours_flat = ServiceRequestFactory(category=home["leak"], location_kind="unit", place=None,
                                            unit_id=UnitFactory(building=building).id, building_id=building.id,
                                            requester=resident_of(home["community"]))

    filed = _file(client, home, location={"kind": "point", "latitude": 31.2300, "longitude": 121.4700,
                                          "building_id": building.id})
    assert filed.status_code == 201
    suggested = {d["id"] for d in filed.json["possible_duplicates"]}
    assert suggested == {hallway.id, near_point.id}  # never a neighbour's flat, for a resident
    assert "楼道灯" not in filed.get_data(as_text=True)  # nor other people's descriptions
    rid = filed.json["id"]
    staff_view = client.get(_url(home, f"/{rid}/possible-duplicates"), headers=bearer(home["manager"].id)).json
    assert {d["id"] for d in staff_view} == {hallway.id, near_point.id, neighbours_flat.id}
    assert client.get(_url(home, f"/{rid}/possible-duplicates"),
                      headers=bearer(home["resident"].id)).status_code == 403

    merged = client.post(_url(home, f"/{rid}/merge"), json={"original_id": hallway.id},
                         headers=bearer(home["manager"].id))
    assert merged.status_code == 200
    assert merged.json["status"] == "closed" and merged.json["duplicate_of_id"] == hallway.id
    again = client.post(_url(home, f"/{rid}/merge"), json={"original_id": near_point.id},
                        headers=bearer(home["manager"].id))
    assert again.status_code == 409 and again.json["code"] == "cannot_merge"
    onto_a_duplicate = client.post(_url(home, f"/{near_point.id}/merge"), json={"original_id": rid},
                                   headers=bearer(home["manager"].id))
    assert onto_a_duplicate.status_code == 409
    assert client.post(_url(home, f"/{near_point.id}/merge"), json={"original_id": 10**12},
                       headers=bearer(home["manager"].id)).status_code == 422

    # The original's resolution reaches the duplicate's requester too.
    _move(client, home, hallway.id, "manager", "start")
    _move(client, home, hallway.id, "manager", "resolve")
    run_jobs()
    kinds = [n["kind"] for n in client.get("/api/me/notifications", headers=bearer(home["resident"].id)).json["items"]]
    assert "service_request.merged" in kinds and "service_request.resolved" in kinds


def _resolved_by_the_plumber(client, home):
    rid = _file(client, home).json["id"]
    client.put(_url(home, f"/{rid}/assignment"), json={"assignee_id": home["plumber"].id},
               headers=bearer(home["manager"].id))
    _move(client, home, rid, "plumber", "start")
    assert _move(client, home, rid, "plumber", "resolve", reason="换了垫圈").json["status"] == "resolved"
    return rid


def _rate(client, home, rid, **body):
    return client.post(_url(home, f"/{rid}/rating"), json=body, headers=bearer(home["resident"].id))


def test_a_low_rating_saying_not_fixed_reopens_the_request_which_is_rated_again_once_fixed(client, home,
                                                                                           run_jobs):
    rid = _resolved_by_the_plumber(client, home)

    rated = _rate(client, home, rid, score=2, reasons=["not_fixed", "late"], comment="还是在滴水")

    assert rated.status_code == 201, rated.json
    assert rated.json["status"] == "in_progress" and rated.json["reopen_count"] == 1
    assert rated.json["resolved_at"] is None and rated.json["status_reason"] == "还是在滴水"
    assert rated.json["rating"]["score"] == 2 and rated.json["rating"]["reasons"] == ["not_fixed", "late"]
    run_jobs()
    for who in ("plumber", "manager"):
        inbox = client.get("/api/me/notifications?kind=service_request.rated_not_fixed",
                           headers=bearer(home[who].id)).json["items"]
        assert len(inbox) == 1 and "还是在滴水" in inbox[0]["body"] and "2" in inbox[0]["body"], inbox
        assert inbox[0]["title"] == "居民反馈报修未解决"
    assert _rate(client, home, rid, score=5).json["code"] == "not_ratable"  # nothing is resolved now

    assert _move(client, home, rid, "plumber", "resolve", reason="换了整根水管").status_code == 200
    again = _rate(client, home, rid, score=5, reasons=["fixed_well"])
    assert again.status_code == 201 and again.json["status"] == "closed"
    assert again.json["rating"]["score"] == 5 and again.json["reopen_count"] == 1
    assert _rate(client, home, rid, score=4).json["code"] == "already_rated"
    history = client.get(_url(home, f"/{rid}/history"), headers=bearer(home["resident"].id)).json["items"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history][-6:] == [
        ("resolve", "in_progress", "resolved"),
        ("rated", "resolved", "resolved"),
        ("reopen", "resolved", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("rated", "resolved", "resolved"),
        ("close", "resolved", "closed"),
    ]
    assert history[-4]["reason"] == "还是在滴水" and history[-4]["data"] == {"score": 2, "by_rating": True}
    assert history[-4]["actor"]["id"] == home["resident"].id


def test_an_unassigned_request_rated_not_fixed_goes_back_to_the_managers_queue(client, home, run_jobs):
    rid = _file(client, home).json["id"]
    _move(client, home, rid, "manager", "start")
    _move(client, home, rid, "manager", "resolve")

    rated = _rate(client, home, rid, score=1, reasons=["not_fixed"])

    assert rated.status_code == 201 and rated.json["status"] == "acknowledged", rated.json
    run_jobs()
    inbox = client.get("/api/me/notifications?kind=service_request.rated_not_fixed",
                       headers=bearer(home["manager"].id)).json
    assert inbox["total"] == 1


@pytest.mark.parametrize("score, reasons, hours_ago", [
    (2, ["late"], 1),  # unhappy, but fixed
    (3, ["not_fixed"], 1),  # not low enough to undo the resolution: the resident can still reopen it
    (1, ["not_fixed"], 73),  # the reopen window (72 h) has passed
])
def test_other_ratings_confirm_the_resolution_and_close_the_request(app, client, home, score, reasons, hours_ago):
    rid = _resolved_by_the_plumber(client, home)
    with app.app_context():
        request = db.session.get(ServiceRequest, rid)
        request.resolved_at = utcnow() - timedelta(hours=hours_ago)
        db.session.commit()

    rated = _rate(client, home, rid, score=score, reasons=reasons)

    assert rated.status_code == 201, rated.json
    assert rated.json["status"] == "closed" and rated.json["reopen_count"] == 0
