"""The demo community has announcements, one of them urgent and pinned, created once."""
from sqlalchemy import func, select

from community.announcements.models import Announcement
from core.db import db


def _login(client, login):
    token = client.post("/api/auth/token", json={"login": login, "password": "demo12345"}).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_seed_demo_creates_announcements_once_with_an_urgent_one_pinned(app, client):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Announcement)) == 3
    headers = _login(client, "resident2@demo.local")
    community_id = client.get("/api/me", headers=headers).json["memberships"][0]["community_id"]
    feed = client.get(f"/api/communities/{community_id}/announcements", headers=headers).json["items"]
    assert feed[0]["emergency"] and feed[0]["pinned"]
    assert len(feed) >= 2
