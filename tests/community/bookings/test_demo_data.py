"""The demo community's amenities and bookings: seeded once, bookable through the API."""
from sqlalchemy import func, select

from community.bookings.models import Amenity, Booking, Closure
from core.db import db


def _counts(app):
    with app.app_context():
        return [db.session.scalar(select(func.count()).select_from(model)) for model in (Amenity, Booking, Closure)]


def _login(client, login):
    token = client.post("/api/auth/token", json={"login": login, "password": "demo12345"}).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_demo_amenities_are_seeded_once_and_the_demo_resident_sees_them(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = _counts(app)
    assert first == [4, 5, 1]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts(app) == first

    resident = _login(client, "resident@demo.local")
    community_id = client.get("/api/me", headers=resident).json["memberships"][0]["community_id"]
    amenities = client.get(f"/api/communities/{community_id}/amenities", headers=resident).json["items"]
    assert {a["name"] for a in amenities} == {"健身房", "会议室", "烧烤区", "羽毛球场"}
    gym = next(a for a in amenities if a["kind"] == "gym")
    slots = client.get(f"/api/communities/{community_id}/amenities/{gym['id']}/availability", headers=resident).json
    assert any(s["mine"] == "confirmed" and s["taken"] == 2 for s in slots["slots"])
    assert any(s["state"] == "closed" for s in slots["slots"])

    mine = client.get(f"/api/communities/{community_id}/bookings", headers=resident).json
    assert {b["status"] for b in mine["items"]} == {"confirmed", "attended"}
    neighbour = client.get(f"/api/communities/{community_id}/bookings", headers=_login(client, "resident2@demo.local"))
    assert {b["status"] for b in neighbour.json["items"]} == {"confirmed", "waiting"}
    everyone = client.get(f"/api/communities/{community_id}/bookings", headers=_login(client, "manager@demo.local"))
    assert everyone.json["total"] == 5
