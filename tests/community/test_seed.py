"""The demo data of the contract, created idempotently."""
from sqlalchemy import func, select

from community.models import Building, Community, Residency, StaffMember, Unit
from core.db import db
from identity.models import User


def _counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (User, Community, Building, Unit, Residency, StaffMember)}


def test_seed_demo_twice_changes_nothing_and_the_demo_resident_logs_in(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    after_first = _counts(app)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts(app) == after_first

    for login in ("manager@demo.local", "resident@demo.local", "resident2@demo.local", "merchant@demo.local",
                  "courier@demo.local"):
        response = client.post("/api/auth/token", json={"login": login, "password": "demo12345"})
        assert response.status_code == 200, login
    token = client.post("/api/auth/token", json={"login": "resident@demo.local", "password": "demo12345"}).json
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json
    assert me["memberships"][0]["community_slug"] == "demo" and me["memberships"][0]["role"] == "resident"
    manager = client.post("/api/auth/token", json={"login": "manager@demo.local", "password": "demo12345"}).json
    me = client.get("/api/me", headers={"Authorization": f"Bearer {manager['access_token']}"}).json
    assert me["memberships"][0]["role"] == "manager"
