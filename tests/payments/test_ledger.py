"""The journal: balanced entries only, each key posted once, and `ledger check` proves the books."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from core.db import db
from payments import ledger
from payments.ledger import UnbalancedEntry, post_entry
from payments.models import JournalEntry, LedgerAccount, Posting
from tests.payments.conftest import ledger_check

SALE = [("clearing:stripe", 1_000, "CNY"), ("merchant_payable:store:3", -950, "CNY"),
        ("revenue:platform_commission", -50, "CNY")]


@pytest.mark.parametrize(
    "postings",
    [
        [("clearing:stripe", 1_000, "CNY"), ("merchant_payable:store:3", -999, "CNY")],
        [("clearing:stripe", 1_000, "CNY")],
        [("clearing:stripe", 1_000, "CNY"), ("merchant_payable:store:3", -1_000, "USD")],
        [("clearing:stripe", 10.5, "CNY"), ("merchant_payable:store:3", -10.5, "CNY")],
        [("clearing:stripe", 0, "CNY"), ("merchant_payable:store:3", 0, "CNY")],
        [("clearing:stripe", 5, "CNY"), ("savings:mine", -5, "CNY")],
        [("clearing:stripe", 5, "cny"), ("refunds", -5, "cny")],
    ],
    ids=["unbalanced", "one posting", "two currencies", "floats", "zeros", "unknown account", "lowercase currency"],
)
def test_an_entry_that_does_not_balance_is_refused(session, postings):
    with pytest.raises((UnbalancedEntry, ValueError)):
        post_entry(session, key="bad", description="bad", postings=postings)
    assert session.query(JournalEntry).count() == 0


def test_balanced_entries_move_the_derived_balances(session):
    post_entry(session, key="sale:1", description="sale", postings=SALE)
    post_entry(session, key="sale:2", description="sale", postings=SALE)
    post_entry(session, key="usd:1", description="in dollars",
               postings=[("clearing:stripe", 7, "USD"), ("revenue:platform_sales", -7, "USD")])
    assert ledger.balance(session, "clearing:stripe", "CNY") == 2_000
    assert ledger.balance(session, "clearing:stripe", "USD") == 7
    assert ledger.balance(session, "merchant_payable:store:3", "CNY") == -1_900
    assert session.query(LedgerAccount).filter_by(code="merchant_payable:store:3").one().type == "liability"


def test_the_same_key_twice_posts_once_and_returns_the_first_entry(session):
    first = post_entry(session, key="order:42:capture", description="first", postings=SALE)
    second = post_entry(session, key="order:42:capture", description="second", postings=SALE)
    assert second.id == first.id and second.description == "first"
    assert ledger.balance(session, "clearing:stripe", "CNY") == 1_000


def test_simultaneous_posts_of_one_key_post_exactly_once(app, committed):
    start = threading.Barrier(8)

    def post(_):
        with app.app_context():
            start.wait()
            entry = post_entry(db.session, key="groupjoin:7:capture", description="race", postings=SALE)
            db.session.commit()
            return entry.id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(post, range(8)))

    assert len(ids) == 1
    with app.app_context():
        assert db.session.query(JournalEntry).count() == 1
        assert ledger.balance(db.session, "clearing:stripe", "CNY") == 1_000
    result = ledger_check(app)
    assert result.exit_code == 0 and "checked 1 journal entries" in result.output, result.output


def test_simultaneous_different_entries_all_land_without_deadlock(app, committed):
    start = threading.Barrier(8)

    def post(n):
        with app.app_context():
            start.wait()
            # Opposite account orders in the postings: balances are still locked in one order.
            postings = SALE if n % 2 else list(reversed(SALE))
            post_entry(db.session, key=f"sale:{n}", description="sale", postings=postings)
            db.session.commit()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(post, range(16)))

    with app.app_context():
        assert ledger.balance(db.session, "clearing:stripe", "CNY") == 16_000
    result = ledger_check(app)
    assert result.exit_code == 0, result.output
    assert "checked 16 journal entries on 3 accounts: balanced" in result.output


def test_ledger_check_fails_when_a_posting_is_tampered_with(app, session):
    post_entry(session, key="sale:1", description="sale", postings=SALE)
    post_entry(session, key="sale:2", description="sale", postings=SALE)
    session.commit()
    assert ledger_check(app).exit_code == 0

    posting = session.query(Posting).join(LedgerAccount).filter(LedgerAccount.code == "clearing:stripe").first()
    session.execute(text("UPDATE journal_postings SET amount = amount + 1 WHERE id = :id"), {"id": posting.id})
    session.commit()
    result = ledger_check(app)

    assert result.exit_code != 0
    assert "postings sum to 1, not 0" in result.output
    assert "account clearing:stripe (CNY): balance 2000 but postings sum to 2001" in result.output


def test_a_new_kind_of_account_joins_the_chart_and_a_transfer_moves_money_once(session):
    with pytest.raises(ValueError, match="not in the chart"):
        ledger.account_type("wallet:store:3")
    ledger.open_account_kind("wallet:", ledger.AccountType.LIABILITY)
    ledger.open_account_kind("wallet:", ledger.AccountType.LIABILITY)  # twice is harmless
    with pytest.raises(ValueError, match="already"):
        ledger.open_account_kind("wallet:", ledger.AccountType.ASSET)
    assert ledger.account_type("wallet:store:3") == ledger.AccountType.LIABILITY

    for _ in range(2):
        ledger.transfer(session, key="spend:1", debit="wallet:store:3", credit="revenue:ads", amount=300,
                        currency="CNY", description="ad spend")
    session.commit()
    assert ledger.balance(session, "wallet:store:3", "CNY") == 300
    assert ledger.balance(session, "revenue:ads", "CNY") == -300
    with pytest.raises(UnbalancedEntry):
        ledger.transfer(session, key="spend:2", debit="wallet:store:3", credit="revenue:ads", amount=0,
                        currency="CNY", description="nothing")
