"""Open311 API keys (issued once, stored hashed, revoked) and the community's request settings."""
from sqlalchemy import select

from community.models import StaffRole
from community.open311.models import Open311Key
from core.db import db
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of, staff_of


def test_a_manager_issues_lists_and_revokes_open311_keys(app, client):
    community = CommunityFactory()
    headers = bearer(staff_of(community).id)
    url = f"/api/communities/{community.id}/open311-keys"
    issued = client.post(url, json={"name": "12345 市民热线"}, headers=headers)
    assert issued.status_code == 201
    raw = issued.json["key"]
    assert len(raw) > 30 and issued.json["prefix"] == raw[:8]
    with app.app_context():
        stored = db.session.scalar(select(Open311Key).where(Open311Key.id == issued.json["id"]))
        assert raw not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    listed = client.get(url, headers=headers).json["items"]
    assert [k["name"] for k in listed] == ["12345 市民热线"] and "key" not in listed[0]

    assert client.delete(f"{url}/{issued.json['id']}", headers=headers).status_code == 204
    assert client.get(url, headers=headers).json["items"][0]["revoked_at"] is not None
    again = client.delete(f"{url}/{issued.json['id']}", headers=headers)
    assert again.status_code == 409 and again.json["code"] == "open311_key_revoked"


def test_only_managers_handle_keys_and_settings(client):
    community = CommunityFactory()
    for person in (resident_of(community), staff_of(community, StaffRole.MAINTENANCE)):
        headers = bearer(person.id)
        assert client.get(f"/api/communities/{community.id}/open311-keys", headers=headers).status_code == 403
        assert client.post(f"/api/communities/{community.id}/open311-keys", json={"name": "x"},
                           headers=headers).status_code == 403
        assert client.patch(f"/api/communities/{community.id}/service-request-settings",
                            json={"daily_limit_per_resident": 50}, headers=headers).status_code == 403


def test_settings_start_from_defaults_and_managers_change_them(client):
    community = CommunityFactory()
    url = f"/api/communities/{community.id}/service-request-settings"
    defaults = client.get(url, headers=bearer(resident_of(community).id)).json
    assert defaults == {"community_id": community.id, "daily_limit_per_resident": 5,
                        "daily_limit_per_open311_key": 200, "reopen_window_hours": 72, "duplicate_radius_m": 50}
    manager = bearer(staff_of(community).id)
    changed = client.patch(url, json={"daily_limit_per_resident": 2, "duplicate_radius_m": 200}, headers=manager)
    assert changed.status_code == 200 and changed.json["daily_limit_per_resident"] == 2
    assert client.get(url, headers=manager).json["duplicate_radius_m"] == 200
    for bad in ({"daily_limit_per_resident": 0}, {"reopen_window_hours": 10_000}, {"duplicate_radius_m": "far"},
                {"unknown": 1}):
        assert client.patch(url, json=bad, headers=manager).status_code == 422, bad


def test_categories_are_managed_by_managers_and_validated(client):
    community = CommunityFactory()
    manager = bearer(staff_of(community).id)
    plumber = staff_of(community, StaffRole.MAINTENANCE)
    url = f"/api/communities/{community.id}/request-categories"
    body = {"code": "noise", "name": "噪音投诉", "group": "complaint", "default_assignee_id": plumber.id,
            "fields": [{"code": "hours", "label": "时段", "type": "multi_choice", "required": True,
                        "options": [{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}]}]}
    made = client.post(url, json=body, headers=manager)
    assert made.status_code == 201, made.json
    assert client.post(url, json=body, headers=manager).status_code == 409
    resident = bearer(resident_of(community).id)
    assert client.post(url, json={**body, "code": "n2"}, headers=resident).status_code == 403
    assert [c["code"] for c in client.get(url, headers=resident).json["items"]] == ["noise"]

    archived = client.patch(f"{url}/{made.json['id']}", json={"active": False}, headers=manager)
    assert archived.status_code == 200 and archived.json["active"] is False
    assert client.get(url, headers=resident).json["items"] == []
    assert client.get(f"{url}?include_inactive=true", headers=manager).json["total"] == 1

    for bad in (
        {**body, "code": "bad code!"},
        {**body, "code": "f1", "fields": [{"code": "x", "label": "x", "type": "single_choice"}]},
        {**body, "code": "f2", "fields": [{"code": "x", "label": "x", "type": "text"}] * 2},
        {**body, "code": "f3", "fields": [{"code": "x", "label": "x", "type": "colour"}]},
        {**body, "code": "f4", "first_response_minutes": 600, "resolution_minutes": 60},
        {**body, "code": "f5", "resolution_minutes": 0},
        {**body, "code": "f6", "assignee_role": "guard"},
        {**body, "code": "f7", "default_assignee_id": staff_of(community, StaffRole.GUARD).id},
    ):
        assert client.post(url, json=bad, headers=manager).status_code == 422, bad
