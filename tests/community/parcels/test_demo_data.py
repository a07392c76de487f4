"""The demo residents have parcels waiting at the desk, created once."""
from sqlalchemy import func, select

from community.parcels.models import Parcel
from core.db import db


def _login(client, login):
    token = client.post("/api/auth/token", json={"login": login, "password": "demo12345"}).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_seed_demo_creates_parcels_once_and_the_resident_sees_their_codes(app, client):
    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Parcel)) == 3
    resident = _login(client, "resident@demo.local")
    community_id = client.get("/api/me", headers=resident).json["memberships"][0]["community_id"]
    mine = client.get(f"/api/communities/{community_id}/parcels/mine", headers=resident).json["items"]
    assert len(mine) == 2 and all(len(p["pickup_code"]) == 6 for p in mine)
