"""Announcements through the API: targeting, scheduling, expiry, emergencies, read receipts."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from community.announcements.jobs import announce_scheduled
from community.announcements.models import Announcement
from community.models import StaffRole
from core.models import utcnow
from tests.community.announcements.factories import AnnouncementFactory
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    UnitFactory,
    current_session,
    staff_of,
)


@pytest.fixture
def place(connection):
    """A community with two buildings, a resident in each, and its manager."""
    community = CommunityFactory(name="花园小区")
    one, two = BuildingFactory(community=community, name="1号楼"), BuildingFactory(community=community, name="2号楼")
    return {
        "community": community,
        "one": one,
        "two": two,
        "in_one": ResidencyFactory(unit=UnitFactory(building=one)).user,
        "in_two": ResidencyFactory(unit=UnitFactory(building=two)).user,
        "manager": staff_of(community),
    }


def _url(place, suffix=""):
    return f"/api/communities/{place['community'].id}/announcements{suffix}"


def _feed(client, place, user):
    response = client.get(_url(place), headers=bearer(user.id))
    assert response.status_code == 200, response.json
    return response.json["items"]


def _inbox_kinds(client, user):
    return [n["kind"] for n in client.get("/api/me/notifications", headers=bearer(user.id)).json["items"]]


def test_a_manager_publishes_to_everyone_and_residents_are_notified(client, place, run_jobs):
    created = client.post(_url(place), headers=bearer(place["manager"].id),
                          json={"title": "电梯年检", "body": "周三上午电梯年检, 请走楼梯"})
    assert created.status_code == 201, created.json
    assert created.json["state"] == "live" and created.json["buildings"] == []
    for resident in (place["in_one"], place["in_two"]):
        assert [a["title"] for a in _feed(client, place, resident)] == ["电梯年检"]
    run_jobs()
    for resident in (place["in_one"], place["in_two"]):
        assert _inbox_kinds(client, resident) == ["announcement.published"]
    assert _inbox_kinds(client, place["manager"]) == []


def test_residents_of_other_buildings_neither_see_nor_hear_of_a_targeted_announcement(client, place, run_jobs):
    created = client.post(_url(place), headers=bearer(place["manager"].id),
                          json={"title": "1号楼停电", "body": "检修", "building_ids": [place["one"].id]})
    assert created.status_code == 201
    assert [b["name"] for b in created.json["buildings"]] == ["1号楼"]
    assert [a["id"] for a in _feed(client, place, place["in_one"])] == [created.json["id"]]
    assert _feed(client, place, place["in_two"]) == []
    detail = client.get(_url(place, f"/{created.json['id']}"), headers=bearer(place["in_two"].id))
    assert detail.status_code == 404
    run_jobs()
    assert _inbox_kinds(client, place["in_one"]) == ["announcement.published"]
    assert _inbox_kinds(client, place["in_two"]) == []


def test_an_emergency_is_pinned_above_newer_items_and_notified_with_a_mandatory_kind(client, place, run_jobs):
    headers = bearer(place["manager"].id)
    urgent = client.post(_url(place), headers=headers,
                         json={"title": "紧急停水", "body": "爆管抢修", "emergency": True,
                               "expires_at": (utcnow() + timedelta(hours=6)).isoformat()})
    assert urgent.status_code == 201 and urgent.json["pinned"] is True
    AnnouncementFactory(community=place["community"], title="更新的普通通知", publish_at=utcnow())
    feed = _feed(client, place, place["in_two"])
    assert [a["title"] for a in feed] == ["紧急停水", "更新的普通通知"]
    assert feed[0]["pinned"] and not feed[1]["pinned"]
    run_jobs()
    assert _inbox_kinds(client, place["in_two"]) == ["announcement.emergency"]
    prefs = client.get("/api/me/notification-preferences", headers=bearer(place["in_two"].id)).json
    assert next(p for p in prefs if p["kind"] == "announcement.emergency")["mandatory"] is True


def test_a_scheduled_announcement_is_hidden_until_it_goes_live_and_notified_once_by_the_job(
    app, client, place, run_jobs
):
    publish_at = utcnow() + timedelta(days=1)
    created = client.post(_url(place), headers=bearer(place["manager"].id),
                          json={"title": "下周停车场施工", "body": "请提前挪车", "publish_at": publish_at.isoformat()})
    assert created.status_code == 201 and created.json["state"] == "scheduled"
    assert _feed(client, place, place["in_one"]) == []
    assert client.get(_url(place, f"/{created.json['id']}"), headers=bearer(place["in_one"].id)).status_code == 404
    with app.app_context():
        assert announce_scheduled() == 0
        assert announce_scheduled(now=publish_at + timedelta(minutes=1)) == 1
        assert announce_scheduled(now=publish_at + timedelta(minutes=2)) == 0
    run_jobs()
    assert _inbox_kinds(client, place["in_one"]) == ["announcement.published"]


def test_the_go_live_job_delivers_once_even_if_its_work_is_repeated(app, client, place, run_jobs):
    due = AnnouncementFactory(community=place["community"], publish_at=utcnow() - timedelta(minutes=1),
                              notified_at=None)
    with app.app_context():
        assert announce_scheduled() == 1
    run_jobs()
    # A run that crashed after delivering but before its commit is retried: nothing lands twice.
    session = current_session()
    session.execute(update(Announcement).where(Announcement.id == due.id).values(notified_at=None))
    session.commit()
    with app.app_context():
        assert announce_scheduled() == 1
    run_jobs()
    assert _inbox_kinds(client, place["in_one"]) == ["announcement.published"]


def test_expired_and_withdrawn_items_leave_the_feed_but_managers_still_see_them(client, place):
    community = place["community"]
    AnnouncementFactory(community=community, title="过期", publish_at=utcnow() - timedelta(days=3),
                        expires_at=utcnow() - timedelta(days=1))
    live = AnnouncementFactory(community=community, title="有效")
    AnnouncementFactory(community=community, title="计划中", publish_at=utcnow() + timedelta(days=2))
    assert [a["title"] for a in _feed(client, place, place["in_one"])] == ["有效"]

    manager = bearer(place["manager"].id)
    assert client.delete(_url(place, f"/{live.id}"), headers=manager).status_code == 204
    assert _feed(client, place, place["in_one"]) == []
    everything = client.get(_url(place), headers=manager).json["items"]
    assert {a["title"]: a["state"] for a in everything} == {"过期": "expired", "有效": "withdrawn",
                                                            "计划中": "scheduled"}
    scheduled = client.get(_url(place, "?state=scheduled"), headers=manager).json["items"]
    assert [a["title"] for a in scheduled] == ["计划中"]
    # Withdrawing again is harmless.
    assert client.delete(_url(place, f"/{live.id}"), headers=manager).status_code == 204


def test_read_receipts_are_idempotent_and_managers_see_reads_against_the_audience(client, place):
    announcement = AnnouncementFactory(community=place["community"])
    ResidencyFactory(unit=UnitFactory(building=place["two"]), status="pending")  # not in the audience yet
    guard = staff_of(place["community"], StaffRole.GUARD)
    for reader in (place["in_one"], place["in_one"], guard):
        response = client.post(_url(place, f"/{announcement.id}/read"), headers=bearer(reader.id))
        assert response.status_code == 204
    feed = _feed(client, place, place["in_one"])
    assert feed[0]["read"] is True and feed[0]["read_at"]
    assert _feed(client, place, place["in_two"])[0]["read"] is False

    stats = client.get(_url(place, f"/{announcement.id}/read-stats"), headers=bearer(place["manager"].id))
    assert stats.status_code == 200
    assert stats.json == {"announcement_id": announcement.id, "audience_size": 2, "read_count": 1}


def test_read_counts_of_a_targeted_announcement_count_only_its_buildings(client, place):
    announcement = AnnouncementFactory(community=place["community"], buildings=[place["two"]])
    ResidencyFactory(unit=UnitFactory(building=place["two"]))
    assert client.post(_url(place, f"/{announcement.id}/read"), headers=bearer(place["in_two"].id)).status_code == 204
    assert client.post(_url(place, f"/{announcement.id}/read"),
                       headers=bearer(place["in_one"].id)).status_code == 404
    stats = client.get(_url(place, f"/{announcement.id}/read-stats"), headers=bearer(place["manager"].id)).json
    assert (stats["audience_size"], stats["read_count"]) == (2, 1)


def test_a_resident_of_several_buildings_sees_what_targets_any_of_them(client, place):
    ResidencyFactory(user=place["in_one"], unit=UnitFactory(building=place["two"]))
    AnnouncementFactory(community=place["community"], title="二号楼", buildings=[place["two"]])
    assert [a["title"] for a in _feed(client, place, place["in_one"])] == ["二号楼"]


def test_only_managers_publish_withdraw_and_see_read_counts(client, place):
    announcement = AnnouncementFactory(community=place["community"])
    resident = bearer(place["in_one"].id)
    assert client.post(_url(place), headers=resident, json={"title": "x", "body": "y"}).status_code == 403
    assert client.delete(_url(place, f"/{announcement.id}"), headers=resident).status_code == 403
    assert client.get(_url(place, f"/{announcement.id}/read-stats"), headers=resident).status_code == 403
