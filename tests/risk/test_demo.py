"""The demo merchant gets an offer from the seed's synthetic-trained champion, takes it at once, is paid
out, and repays from its sales through settlement, with the books balanced."""
from commerce import seed as commerce_seed
from community.seed import seed_demo as seed_community
from core.db import db
from payments import jobs as payment_jobs
from risk import seed as risk_seed
from tests.commerce.test_seed import _login
from tests.payments.conftest import ledger_check
from tests.payments.factories import PayoutAccountFactory


def test_the_demo_merchant_is_offered_an_advance_takes_it_and_is_paid_out(app, client):
    with app.app_context():
        for seed in (seed_community, commerce_seed.seed_demo, risk_seed.seed_demo):
            seed(db.session)
            db.session.commit()
    merchant = _login(client, "merchant@demo.local")
    fruit = next(s for s in client.get("/api/stores", headers=merchant).json["items"]
                 if s["name"] == commerce_seed.FRUIT_STORE)
    view = client.get(f"/api/stores/{fruit['id']}/financing", headers=merchant).json
    assert view["score"]["synthetic_model"] and view["score"]["reasons"]
    offer = view["offer"]
    assert offer is not None and offer["max_amount"] >= 100_000, view
    taken = client.post(f"/api/stores/{fruit['id']}/financing/offers/{offer['id']}/accept",
                        json={"amount": 100_000}, headers=merchant)
    assert taken.status_code == 201 and taken.json["status"] == "active" and taken.json["decided_by"] == "auto"
    PayoutAccountFactory(payee=f"store:{fruit['id']}")
    with app.app_context():
        done = payment_jobs.settle_payouts()
    assert done["payouts"] == 1 and done["amount"] >= 100_000  # the principal and the demo's sales
    assert ledger_check(app).exit_code == 0
