"""The demo's service requests, categories, maintenance worker and Open311 key, created idempotently."""
from urllib.parse import urlencode

from sqlalchemy import func, select

from community.open311 import seed as open311_seed
from community.open311.models import Open311Key
from community.requests import seed as requests_seed
from community.requests.models import RequestCategory, RequestEvent, ServiceRequest
from community.seed import seed_demo as seed_community
from core.db import db


def _seed(app):
    with app.app_context():
        for seed in (seed_community, requests_seed.seed_demo, open311_seed.seed_demo):
            seed(db.session)
            db.session.commit()


def _counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (RequestCategory, ServiceRequest, RequestEvent, Open311Key)}


def test_the_demo_is_seeded_once_and_works_end_to_end(app, client):
    _seed(app)
    first = _counts(app)
    _seed(app)
    assert _counts(app) == first
    with app.app_context():
        statuses = set(db.session.scalars(select(ServiceRequest.status)))
        emergencies = db.session.scalar(select(func.count()).where(RequestCategory.is_emergency.is_(True)))
        assert first["RequestCategory"] >= 2 and emergencies >= 1
        assert {"new", "in_progress", "resolved", "closed"} <= statuses
        key = db.session.scalar(select(Open311Key))
        assert key.key_hash != open311_seed.DEMO_OPEN311_KEY

    token = client.post("/api/auth/token", json={"login": "maintenance@demo.local", "password": "demo12345"}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    (membership,) = client.get("/api/me", headers=headers).json["memberships"]
    assert membership["role"] == "maintenance"
    queue = client.get(f"/api/communities/{membership['community_id']}/service-requests?open=true", headers=headers)
    assert queue.json["total"] >= 2
    body = urlencode({"api_key": "demo-open311-key", "jurisdiction_id": "demo", "service_code": "plumbing",
                      "address_string": "东门岗亭旁", "attribute[room]": "other", "description": "消防栓漏水"})
    posted = client.post("/open311/v2/requests.xml", data=body, content_type="application/x-www-form-urlencoded")
    assert posted.status_code == 200, posted.data
    services = client.get("/open311/v2/services.json?jurisdiction_id=demo").json
    assert {"plumbing", "emergency", "noise"} <= {s["service_code"] for s in services}
