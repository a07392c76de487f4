"""The commerce demo: stores of merchant@demo.local with products, coupons, a group deal, and orders in
several states paid through localstripe, created once."""
from sqlalchemy import func, select

from commerce import seed as commerce_seed
from commerce.catalog.models import Product
from commerce.groupbuy.models import GroupDeal
from commerce.orders.models import Coupon, Order, ReturnRequest
from commerce.stores.models import Store
from community.seed import seed_demo as seed_community
from core.db import db
from payments.models import Payment


def _seed(app):
    with app.app_context():
        for seed in (seed_community, commerce_seed.seed_demo):
            seed(db.session)
            db.session.commit()


def _counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Store, Product, Coupon, GroupDeal, Order, ReturnRequest)}


def _login(client, login):
    token = client.post("/api/auth/token", json={"login": login, "password": "demo12345"}).json
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_the_demo_is_seeded_once_and_works_end_to_end(app, client):
    _seed(app)
    first = _counts(app)
    _seed(app)
    assert _counts(app) == first
    assert first["Store"] == 2 and first["Product"] >= 8 and first["Coupon"] == 3 and first["GroupDeal"] == 1
    with app.app_context():
        statuses = set(db.session.scalars(select(Order.status)))
        assert {"completed", "accepted", "paid", "cancelled", "awaiting_payment"} <= statuses
        assert db.session.scalar(select(func.count()).where(Payment.status.in_(("succeeded", "refunded")))) >= 3

    resident = _login(client, "resident@demo.local")
    community_id = client.get("/api/me", headers=resident).json["memberships"][0]["community_id"]
    found = client.get(f"/api/communities/{community_id}/products?q=苹果", headers=resident).json
    assert found["items"][0]["name"] == "红富士苹果"
    deals = client.get(f"/api/communities/{community_id}/group-deals", headers=resident).json
    assert deals["total"] == 1
    listed = client.get(f"/api/communities/{community_id}/coupons", headers=resident).json["items"]
    assert [c["code"] for c in listed] == ["LINLI8"]
    claimed = client.post(f"/api/communities/{community_id}/coupons/{listed[0]['id']}/claim", headers=resident)
    assert claimed.status_code == 201 and claimed.json["state"] == "available"
    merchant = _login(client, "merchant@demo.local")
    stores = client.get("/api/stores", headers=merchant).json["items"]
    assert len(stores) == 2
    fruit = next(s for s in stores if s["name"] == commerce_seed.FRUIT_STORE)
    assert client.get(f"/api/stores/{fruit['id']}/orders", headers=merchant).json["total"] >= 4
    statement = client.get(f"/api/stores/{fruit['id']}/settlement", headers=merchant).json
    assert statement["balance"] > 0
    waiting = client.get(f"/api/stores/{fruit['id']}/returns?status=requested", headers=merchant).json
    assert waiting["total"] == 1
    decided = client.post(f"/api/stores/{fruit['id']}/returns/{waiting['items'][0]['id']}/approve", json={},
                          headers=merchant)
    assert decided.status_code == 200 and decided.json["status"] == "approved"
