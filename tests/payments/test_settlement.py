"""Settlement pays each payee what it is owed, with a statement; later refunds are netted."""
import pytest

from payments import jobs, ledger, queries, webhooks
from payments.models import Payout
from tests.factories import CommunityFactory, resident_of
from tests.payments.conftest import confirm_with_card, ledger_check, refund, start
from tests.payments.factories import PayoutAccountFactory


@pytest.fixture
def community(connection):
    return CommunityFactory()


def _paid(session, stripe_client, community, amount, payee="store:3"):
    payment = start(session, resident_of(community), community, amount=amount, payee=payee,
                    reference=f"order:{amount}")
    confirm_with_card(stripe_client, payment.stripe_payment_intent_id)
    webhooks.reconcile_payment(session, payment.id)
    return payment


def test_settlement_pays_a_store_its_balance_with_a_statement_and_nets_a_later_refund(
    app, session, community, stripe_client
):
    PayoutAccountFactory(payee="store:3", stripe_account_id="acct_store3")
    first = _paid(session, stripe_client, community, 10_000)
    _paid(session, stripe_client, community, 5_000)
    _paid(session, stripe_client, community, 2_000, payee="store:4")  # no payout account: it waits

    with app.app_context():
        assert jobs.settle_payouts() == {"payouts": 1, "amount": 14_100, "errors": 0}

    [payout] = queries.payouts_for(session, payee="store:3")
    assert payout.amount == 14_100 and payout.destination == "acct_store3"
    assert payout.stripe_transfer_id.startswith("tr_")
    assert [(line.description, line.amount) for line in payout.lines] == [
        ("order:10000 paid", 9_400), ("order:5000 paid", 4_700)
    ]
    assert queries.payee_balance(session, payee="store:3") == 0
    assert queries.payee_balance(session, payee="store:4") == 1_880

    refund(session, first.id, amount=10_000, reason="退货", key="order:10000:refund")
    session.commit()
    assert queries.payee_balance(session, payee="store:3") == -9_400  # it owes us until the next payout
    with app.app_context():
        assert jobs.settle_payouts()["payouts"] == 0

    _paid(session, stripe_client, community, 20_000)
    with app.app_context():
        assert jobs.settle_payouts()["payouts"] == 1

    newest, _ = queries.payouts_for(session, payee="store:3")
    assert newest.amount == 18_800 - 9_400
    assert [(line.description, line.amount) for line in newest.lines] == [
        ("order:10000 refunded: 退货", -9_400), ("order:20000 paid", 18_800)
    ]
    assert sum(line.amount for line in newest.lines) == newest.amount
    captured, refunded, paid_out = 10_000 + 5_000 + 2_000 + 20_000, 10_000, 14_100 + 9_400
    assert ledger.balance(session, "clearing:stripe", "CNY") == captured - refunded - paid_out
    assert ledger_check(app).exit_code == 0


def test_settling_again_pays_nothing_twice(app, session, community, stripe_client):
    PayoutAccountFactory(payee="store:3")
    _paid(session, stripe_client, community, 3_000)
    with app.app_context():
        jobs.settle_payouts()
        assert jobs.settle_payouts()["payouts"] == 0
    assert session.query(Payout).count() == 1


def test_a_pickup_host_is_paid_from_its_own_payable(app, session, community):
    PayoutAccountFactory(payee="pickup_host:5", stripe_account_id="acct_host5")
    ledger.post_entry(session, key="order:1:pickup-commission", description="pickup commission order:1",
                      postings=[("merchant_payable:store:3", 2_000, "CNY"), ("payable:pickup_host:5", -2_000, "CNY")])
    session.commit()
    with app.app_context():
        jobs.settle_payouts()
    [payout] = queries.payouts_for(session, payee="pickup_host:5")
    assert payout.amount == 2_000 and payout.destination == "acct_host5"


def test_a_balance_under_the_payout_minimum_waits_for_the_next_payout(app, session, community):
    PayoutAccountFactory(payee="pickup_host:6", stripe_account_id="acct_host6")
    minimum = app.config["PAYOUT_MINIMUM"]
    ledger.post_entry(session, key="order:2:pickup-commission", description="pickup commission order:2",
                      postings=[("merchant_payable:store:3", minimum - 1, "CNY"),
                                ("payable:pickup_host:6", -(minimum - 1), "CNY")])
    session.commit()
    with app.app_context():
        jobs.settle_payouts()
    assert queries.payouts_for(session, payee="pickup_host:6") == []
    ledger.post_entry(session, key="order:3:pickup-commission", description="pickup commission order:3",
                      postings=[("merchant_payable:store:3", 1, "CNY"), ("payable:pickup_host:6", -1, "CNY")])
    session.commit()
    with app.app_context():
        jobs.settle_payouts()
    [payout] = queries.payouts_for(session, payee="pickup_host:6")
    assert payout.amount == minimum
