"""The in-app inbox: filled by jobs after commit, read in the reader's language, preferences."""
import pytest

from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import deliver_notifications, notify
from core.db import db
from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, UserFactory, staff_of

TEST_KIND = "test.hello"
if TEST_KIND not in {k.name for k in kinds.all_kinds()}:
    kinds.register(TEST_KIND, title=N_("Hello %(name)s"), body=N_("Body for %(name)s"))


def _send(app, user_ids, key="k1", kind=TEST_KIND):
    with app.app_context():
        notify(db.session, user_ids=user_ids, kind=kind, params={"name": "李"}, dedupe_key=key)
        db.session.commit()


def test_a_residency_decision_reaches_the_claimant_s_inbox_through_the_worker(client, run_jobs):
    community = CommunityFactory(name="花园小区")
    manager = staff_of(community)
    claim = ResidencyFactory(unit=UnitFactory(building=BuildingFactory(community=community, name="3号楼"),
                                              number="502"), status="pending")
    assert client.post(f"/api/communities/{community.id}/residencies/{claim.id}/approve",
                       headers=bearer(manager.id)).status_code == 200
    headers = bearer(claim.user_id)
    assert client.get("/api/me/notifications/unread-count", headers=headers).json == {"unread": 0}
    run_jobs()
    assert client.get("/api/me/notifications/unread-count", headers=headers).json == {"unread": 1}
    inbox = client.get("/api/me/notifications", headers=headers).json
    (item,) = inbox["items"]
    assert item["kind"] == "residency.approved" and item["subject_type"] == "residency"
    assert item["title"] == "您的住户认证已通过"
    assert "花园小区" in item["body"] and "3号楼" in item["body"] and "502" in item["body"]
    english = client.get("/api/me/notifications", headers={**headers, "Accept-Language": "en"}).json
    assert english["items"][0]["title"] == "Your residency was approved"


def test_delivery_is_idempotent(app, connection, run_jobs):
    user = UserFactory()
    with app.app_context():
        assert deliver_notifications(TEST_KIND, [user.id], {"name": "x"}, None, None, "same") == 1
        assert deliver_notifications(TEST_KIND, [user.id], {"name": "x"}, None, None, "same") == 0


def test_mark_read_and_read_all(app, client, run_jobs):
    user = UserFactory()
    _send(app, [user.id], "a")
    _send(app, [user.id], "b")
    run_jobs()
    headers = bearer(user.id)
    items = client.get("/api/me/notifications", headers=headers).json["items"]
    assert len(items) == 2
    read = client.post(f"/api/me/notifications/{items[0]['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json["read"] is True
    assert client.get("/api/me/notifications?unread=true", headers=headers).json["total"] == 1
    assert client.post("/api/me/notifications/read-all", headers=headers).json == {"marked": 1}
    assert client.get("/api/me/notifications/unread-count", headers=headers).json == {"unread": 0}


def test_nobody_reads_or_marks_another_person_s_notifications(app, client, run_jobs):
    owner, other = UserFactory(), UserFactory()
    _send(app, [owner.id])
    run_jobs()
    item = client.get("/api/me/notifications", headers=bearer(owner.id)).json["items"][0]
    assert client.post(f"/api/me/notifications/{item['id']}/read", headers=bearer(other.id)).status_code == 404
    assert client.get("/api/me/notifications", headers=bearer(other.id)).json["total"] == 0
    assert client.post("/api/me/notifications/read-all", headers=bearer(other.id)).json == {"marked": 0}
    assert client.get("/api/me/notifications/unread-count", headers=bearer(owner.id)).json == {"unread": 1}


def test_preferences_switch_a_kind_off_except_mandatory_ones(app, client, run_jobs):
    user = UserFactory()
    headers = bearer(user.id)
    prefs = client.get("/api/me/notification-preferences", headers=headers).json
    assert {p["kind"] for p in prefs} >= {TEST_KIND, "residency.approved"}
    off = client.put(f"/api/me/notification-preferences/{TEST_KIND}", headers=headers,
                     json={"in_app": False, "push": False})
    assert off.status_code == 200 and off.json["in_app"] is False
    _send(app, [user.id])
    run_jobs()
    assert client.get("/api/me/notifications", headers=headers).json["total"] == 0
    assert client.put("/api/me/notification-preferences/no.such.kind", headers=headers,
                      json={"in_app": True, "push": True}).status_code == 404


def test_push_channels_receive_what_the_inbox_receives(app, connection, run_jobs):
    sent = []

    class RecordingChannel:
        name = "recording"

        def send(self, notification, title, body):
            sent.append((notification.user_id, title, body))

    user = UserFactory()
    app.extensions["linli.notification_channels"] = [RecordingChannel()]
    try:
        _send(app, [user.id])
        run_jobs()
    finally:
        app.extensions["linli.notification_channels"] = []
    assert [s[0] for s in sent] == [user.id]
    assert sent[0][1].endswith("李")


def test_an_unknown_kind_fails_in_the_use_case(app, connection):
    with app.app_context(), pytest.raises(KeyError):
        notify(db.session, user_ids=[1], kind="nope", dedupe_key="x")
