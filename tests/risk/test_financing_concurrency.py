"""Real simultaneous acceptances on PostgreSQL and SQLite: one advance per store however many times its
owner taps, and a community's limit never exceeded however many of its stores race for it."""
from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from risk.financing.models import Advance
from tests.conftest import bearer, on_both_databases
from tests.factories import CommunityFactory
from tests.helpers import fire_together
from tests.payments.conftest import ledger_check
from tests.risk.financing import make_champion, trading_store


def _offer(app, store, owner) -> dict:
    response = app.test_client().post(f"/api/stores/{store.id}/financing/offers", headers=bearer(owner.id))
    assert response.status_code == 201, response.json
    return response.json


def _advances(app) -> tuple[int, int]:
    with app.app_context():
        return db.session.execute(select(func.count(), func.coalesce(func.sum(Advance.principal), 0))).one()


@on_both_databases
def test_eight_acceptances_of_one_offer_at_once_make_one_advance(app, committed):
    make_champion()
    community = CommunityFactory()
    store, owner = trading_store(community, days=60)
    offer = _offer(app, store, owner)
    url = f"/api/stores/{store.id}/financing/offers/{offer['id']}/accept"
    responses = fire_together(app, [(url, {"amount": offer["min_amount"]}, owner)] * 8)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7, [r.json for r in responses]
    assert _advances(app) == (1, offer["min_amount"])
    assert ledger_check(app).exit_code == 0


@on_both_databases
def test_stores_racing_for_a_community_s_last_financing_get_only_what_its_limit_allows(app, committed, monkeypatch):
    make_champion()
    community = CommunityFactory()
    racers = []
    for _ in range(6):
        store, owner = trading_store(community, days=60)
        offer = _offer(app, store, owner)
        racers.append((store, owner, offer))
    due = [o["min_amount"] + o["min_amount"] * round(o["fee_rate"] * 10_000) // 10_000 for _s, _o, o in racers]
    monkeypatch.setitem(app.config, "FINANCING_COMMUNITY_LIMIT", sum(sorted(due)[:2]) + min(due) // 2)
    responses = fire_together(app, [
        (f"/api/stores/{store.id}/financing/offers/{offer['id']}/accept", {"amount": offer["min_amount"]}, owner)
        for store, owner, offer in racers])
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201] + [409] * 4, [r.json for r in responses]
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"financing_limit_reached"}
    count, _principal = _advances(app)
    assert count == 2
    assert ledger_check(app).exit_code == 0
