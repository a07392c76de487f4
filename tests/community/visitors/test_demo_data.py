"""The demo has a guard who logs in and admits the demo resident's visitor, created once."""
from sqlalchemy import func, select

from community.models import StaffMember
from community.visitors.models import VisitorPass
from core.db import db
from identity.models import User


def _login(client, login):
    response = client.post("/api/auth/token", json={"login": login, "password": "demo12345"})
    assert response.status_code == 200, login
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def _counts(app):
    with app.app_context():
        guard_roles = (select(func.count()).select_from(StaffMember).join(User, User.id == StaffMember.user_id)
                       .where(User.email == "guard@demo.local", StaffMember.role == "guard"))
        return (db.session.scalar(select(func.count()).select_from(VisitorPass)),
                db.session.scalar(guard_roles))


def test_seed_demo_creates_the_guard_and_a_pass_once(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts(app) == (1, 1)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts(app) == (1, 1)

    resident = _login(client, "resident@demo.local")
    community_id = client.get("/api/me", headers=resident).json["memberships"][0]["community_id"]
    (visitor_pass,) = client.get(f"/api/communities/{community_id}/visitor-passes", headers=resident).json["items"]
    guard = _login(client, "guard@demo.local")
    assert client.get("/api/me", headers=guard).json["memberships"][0]["role"] == "guard"
    admitted = client.post(f"/api/communities/{community_id}/visitor-entries", headers=guard,
                           json={"code": visitor_pass["code"]})
    assert admitted.status_code == 201 and admitted.json["pass"]["visitor_phone"] == "139****5678"
