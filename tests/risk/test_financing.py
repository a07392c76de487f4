"""Financing end to end through the API: a store is scored and offered an advance, accepts it (decided
at once, or by a person), is paid out, repays from its sales through settlement and early, falls
behind and is written off, with the books balanced at every step; nobody but its owner sees it."""
from __future__ import annotations

from datetime import timedelta

import pytest
import stripe
from sqlalchemy import select

from core.db import db
from core.models import utcnow
from payments import jobs as payment_jobs
from payments import ledger, webhooks
from payments.models import Payout
from risk.features import features_for_store
from risk.financing import service
from risk.financing.models import Advance, AdvanceStatus
from tests.commerce.factories import staff_of_store
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, resident_of
from tests.payments.conftest import confirm_with_card, ledger_check, start
from tests.payments.factories import PayoutAccountFactory
from tests.risk.financing import make_champion, trading_store


@pytest.fixture(autouse=True)
def clean_localstripe(localstripe):
    localstripe.clear()


@pytest.fixture
def stripe_client(localstripe) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_linli", base_addresses={"api": localstripe.url})


@pytest.fixture
def community(connection):
    make_champion()
    return CommunityFactory()


def _offer(client, store, owner) -> dict:
    response = client.post(f"/api/stores/{store.id}/financing/offers", headers=bearer(owner.id))
    assert response.status_code == 201, response.json
    return response.json


def _accept(client, store, owner, offer, **body):
    return client.post(f"/api/stores/{store.id}/financing/offers/{offer['id']}/accept", json=body,
                       headers=bearer(owner.id))


def _sell(app, stripe_client, community, store, amount):
    """A resident pays the store through Stripe (localstripe), as checkout would."""
    with app.app_context():
        payment = start(db.session, resident_of(community), community, amount=amount, payee=f"store:{store.id}")
        confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
        webhooks.reconcile_payment(db.session, payment.id)


def _balance(app, code):
    with app.app_context():
        return ledger.balance(db.session, code, "CNY")


def test_a_merchant_is_offered_an_advance_takes_it_is_paid_out_and_repays_from_its_sales(
        app, client, community, stripe_client):
    store, owner = trading_store(community)
    offer = _offer(client, store, owner)
    assert offer["band"] in "ABC" and offer["max_amount"] >= offer["min_amount"] >= 50_000
    # Sized from trailing sales: at most 1.5 times a month's.
    assert offer["max_amount"] <= 1.5 * offer["monthly_sales"] and offer["fee_rate"] > 0

    amount = 100_000
    response = _accept(client, store, owner, offer, amount=amount)
    assert response.status_code == 201, response.json
    advance = response.json
    assert advance["status"] == "active" and advance["decided_by"] == "auto"  # decided in the request
    fee = amount * round(offer["fee_rate"] * 10_000) // 10_000
    assert advance["fee"] == fee and advance["total_due"] == amount + fee and advance["outstanding"] == amount + fee
    payable = f"merchant_payable:store:{store.id}"
    assert _balance(app, payable) == -amount  # the store is owed the principal
    assert _balance(app, service.receivable(store.id)) == amount + fee
    assert ledger_check(app).exit_code == 0

    # Paid out at the next settlement.
    PayoutAccountFactory(payee=f"store:{store.id}", stripe_account_id="acct_financed")
    with app.app_context():
        assert payment_jobs.settle_payouts()["payouts"] == 1
        [payout] = db.session.scalars(select(Payout).where(Payout.payee == f"store:{store.id}")).all()
        assert payout.amount == amount

    # It sells 50,000; settlement withholds the remittance share of what the store nets.
    _sell(app, stripe_client, community, store, 50_000)
    net = -_balance(app, payable)
    with app.app_context():
        assert payment_jobs.settle_payouts()["payouts"] == 1
    state = client.get(f"/api/stores/{store.id}/financing/advances/{advance['id']}", headers=bearer(owner.id)).json
    withheld = net * round(offer["remittance_rate"] * 10_000) // 10_000
    assert [(r["kind"], r["amount"]) for r in state["repayments"]] == [("remittance", withheld)]
    assert state["repaid"] == withheld and state["outstanding"] == amount + fee - withheld
    with app.app_context():
        second = db.session.scalars(select(Payout).where(Payout.payee == f"store:{store.id}")
                                    .order_by(Payout.id.desc())).first()
        assert second.amount == net - withheld
        assert sum(line.amount for line in second.lines) == second.amount
    assert ledger_check(app).exit_code == 0

    # The statement names the financing lines and still ties to the ledger.
    statement = client.get(f"/api/stores/{store.id}/settlement", headers=bearer(owner.id)).json
    kinds = {line["kind"] for line in statement["lines"]}
    assert {"financing_disbursement", "financing_remittance", "payout"} <= kinds
    assert statement["opening_balance"] + sum(line["amount"] for line in statement["lines"]) == \
        statement["closing_balance"]

    # Early repayment needs a balance to come from: it has none now.
    response = client.post(f"/api/stores/{store.id}/financing/advances/{advance['id']}/repay", json={},
                           headers=bearer(owner.id))
    assert response.status_code == 422
    _sell(app, stripe_client, community, store, 200_000)
    response = client.post(f"/api/stores/{store.id}/financing/advances/{advance['id']}/repay", json={},
                           headers=bearer(owner.id))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "repaid" and response.json["outstanding"] == 0
    assert sum(r["fee_part"] for r in response.json["repayments"]) == fee  # the fee is earned in full
    assert _balance(app, service.receivable(store.id)) == 0
    assert _balance(app, service.unearned(store.id)) == 0
    assert _balance(app, service.FEES) == -fee
    assert ledger_check(app).exit_code == 0

    # With the advance repaid, settlement withholds nothing more.
    _sell(app, stripe_client, community, store, 10_000)
    before = -_balance(app, payable)
    with app.app_context():
        payment_jobs.settle_payouts()
        last = db.session.scalars(select(Payout).where(Payout.payee == f"store:{store.id}")
                                  .order_by(Payout.id.desc())).first()
        assert last.amount == before
        features = features_for_store(db.session, store.id, utcnow())
        assert (features["past_advances"], features["past_advances_late_rate"]) == (1.0, 0.0)
        assert features_for_store(db.session, store.id, utcnow() - timedelta(days=1))["past_advances"] == 0.0


def test_nobody_but_the_owner_sees_a_store_s_score_or_its_offers(client, community):
    store, owner = trading_store(community, days=60)
    other_store, other_owner = trading_store(community, days=60)
    offer = _offer(client, store, owner)
    staff = staff_of_store(store)
    resident = resident_of(community)
    for user, status in ((staff, 403), (resident, 404), (other_owner, 404)):
        headers = bearer(user.id)
        assert client.get(f"/api/stores/{store.id}/financing", headers=headers).status_code == status
        assert client.post(f"/api/stores/{store.id}/financing/offers", headers=headers).status_code == status
        assert _accept(client, store, user, offer, amount=offer["min_amount"]).status_code == status
        # Another store's offer through one's own store does not exist either.
    assert _accept(client, other_store, other_owner, offer, amount=offer["min_amount"]).status_code == 404
    for path in ("/api/financing/portfolio", "/api/financing/reviews"):
        assert client.get(path, headers=bearer(owner.id)).status_code == 403
    view = client.get(f"/api/stores/{store.id}/financing", headers=bearer(owner.id)).json
    assert view["score"]["band"] == offer["band"] and view["score"]["reasons"]
    assert {"zh", "en"} <= set(view["score"]["reasons"][0])


def test_a_merchant_may_ask_for_a_person_who_decides_and_explains(app, client, community):
    store, owner = trading_store(community)
    offer = _offer(client, store, owner)
    response = _accept(client, store, owner, offer, amount=offer["min_amount"], human_review=True,
                       note="请人工审核并说明理由")
    assert response.status_code == 201 and response.json["status"] == "in_review"
    assert _balance(app, f"merchant_payable:store:{store.id}") == 0  # nothing is paid before a decision
    admin = UserFactory(platform_role="admin")
    queue = client.get("/api/financing/reviews", headers=bearer(admin.id)).json
    assert [(item["id"], item["merchant_note"]) for item in queue] == [(response.json["id"], "请人工审核并说明理由")]
    assert queue[0]["score"]["reasons"]

    path = f"/api/financing/advances/{response.json['id']}/decision"
    assert client.post(path, json={"approve": True, "reason": "x"}, headers=bearer(owner.id)).status_code == 403
    decided = client.post(path, json={"approve": True, "reason": "经营稳定, 同意"}, headers=bearer(admin.id))
    assert decided.status_code == 200 and decided.json["status"] == "active"
    assert decided.json["decided_by"] == "person" and decided.json["decision_reason"] == "经营稳定, 同意"
    assert _balance(app, f"merchant_payable:store:{store.id}") == -offer["min_amount"]
    assert client.post(path, json={"approve": False, "reason": "x"}, headers=bearer(admin.id)).status_code == 409
    # One advance at a time: no new offer while it is open.
    assert client.post(f"/api/stores/{store.id}/financing/offers", headers=bearer(owner.id)).status_code == 409
    portfolio = client.get("/api/financing/portfolio", headers=bearer(admin.id)).json
    assert portfolio["totals"]["CNY"]["outstanding"] == decided.json["total_due"]
    assert portfolio["by_status"] == {"active": 1}


def test_an_amount_outside_the_offer_is_422_and_a_taken_offer_409(client, community):
    store, owner = trading_store(community)
    offer = _offer(client, store, owner)
    for amount in (offer["min_amount"] - 1, offer["max_amount"] + 1):
        response = _accept(client, store, owner, offer, amount=amount)
        assert response.status_code == 422 and "amount" in response.json["errors"]
    assert _accept(client, store, owner, offer, amount=offer["min_amount"]).status_code == 201
    response = _accept(client, store, owner, offer, amount=offer["min_amount"])
    assert response.status_code == 409 and response.json["code"] == "offer_not_open"


def test_an_advance_behind_its_minimum_goes_late_then_defaulted_and_is_written_off(app, client, community):
    store, owner = trading_store(community)
    offer = _offer(client, store, owner)
    advance_id = _accept(client, store, owner, offer, amount=offer["min_amount"]).json["id"]
    with app.app_context():
        advance = db.session.get(Advance, advance_id)
        advance.disbursed_at = utcnow() - timedelta(days=45)  # one period due 15 days ago, nothing repaid
        db.session.commit()
        assert service.review_delinquency(db.session)["late"] == 1
        advance = db.session.get(Advance, advance_id)
        assert advance.status == AdvanceStatus.LATE and advance.days_past_due == 15
        advance.disbursed_at = utcnow() - timedelta(days=100)  # 70 days behind: past the 60 of a default
        db.session.commit()
        assert service.review_delinquency(db.session)["defaulted"] == 1
        assert db.session.get(Advance, advance_id).status == AdvanceStatus.DEFAULTED

    admin = UserFactory(platform_role="admin")
    response = client.post(f"/api/financing/advances/{advance_id}/write-off", json={"reason": "停业失联"},
                           headers=bearer(admin.id))
    assert response.status_code == 200 and response.json["status"] == "written_off"
    assert _balance(app, service.receivable(store.id)) == 0 and _balance(app, service.unearned(store.id)) == 0
    assert _balance(app, service.LOSSES) == offer["min_amount"]  # the principal; the fee is never revenue
    assert _balance(app, service.FEES) == 0
    assert ledger_check(app).exit_code == 0
    portfolio = client.get("/api/financing/portfolio", headers=bearer(admin.id)).json
    assert portfolio["vintages"][0]["default_rate"] == 1.0
    with app.app_context():  # the next score knows how this advance ended
        features = features_for_store(db.session, store.id, utcnow())
        assert (features["past_advances"], features["past_advances_late_rate"]) == (1.0, 1.0)
    assert portfolio["totals"]["CNY"]["written_off"] == response.json["total_due"]
