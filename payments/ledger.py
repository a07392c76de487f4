"""The double-entry journal: the chart of accounts, `post_entry`, balances and the books check.

Chart of accounts (an account is a code in one currency; postings are signed, debits positive):

| code                          | type      | normal | what it holds                                       |
| ----------------------------- | --------- | ------ | --------------------------------------------------- |
| `clearing:stripe`             | asset     | debit  | money at Stripe: captures less refunds, fees, payouts |
| `merchant_payable:store:<id>` | liability | credit | owed to a store; negative after a refund past its payout |
| `payable:<kind>:<id>`         | liability | credit | owed to any other payee, e.g. `payable:pickup_host:5` |
| `refunds`                     | liability | credit | refunds granted, not yet paid back by Stripe |
| `revenue:platform_commission` | revenue   | credit | the platform's commission on payments to payees      |
| `revenue:community:<id>`      | revenue   | credit | the community's revenue share, one line per community |
| `revenue:platform_sales`      | revenue   | credit | payments with no payee (the platform sells itself)   |
| `expense:stripe_fees`         | expense   | debit  | Stripe's processing fees                             |
| `expense:adjustments`         | expense   | debit  | manual corrections (any `expense:<name>` is an expense) |

A credit-normal account's "amount owed" is minus its balance. Entries are idempotent on `key`.
Higher floors add kinds of account with `open_account_kind` (when the app is created) and move
money between accounts with `transfer`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import utcnow
from payments.models import JournalEntry, LedgerAccount, Posting

CLEARING = "clearing:stripe"
REFUNDS = "refunds"
PLATFORM_COMMISSION = "revenue:platform_commission"
PLATFORM_SALES = "revenue:platform_sales"
STRIPE_FEES = "expense:stripe_fees"
MERCHANT_PAYABLE_PREFIX = "merchant_payable:"
PAYABLE_PREFIX = "payable:"

_CODE = re.compile(r"^[a-z_]+(:[a-z0-9_]+)*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PAYEE = re.compile(r"^[a-z_]+:[1-9][0-9]*$")


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    REVENUE = "revenue"
    EXPENSE = "expense"


class UnbalancedEntry(ValueError):
    """An entry whose postings do not sum to zero per currency (a programming error, not input)."""


# The chart: exact codes, then prefixes (longest first). Higher floors open new kinds of account
# with `open_account_kind` (ads balances, financing receivables) instead of editing this table.
_EXACT: dict[str, AccountType] = {CLEARING: AccountType.ASSET, REFUNDS: AccountType.LIABILITY}
_KINDS: dict[str, AccountType] = {
    MERCHANT_PAYABLE_PREFIX: AccountType.LIABILITY,
    PAYABLE_PREFIX: AccountType.LIABILITY,
    "revenue:": AccountType.REVENUE,
    "expense:": AccountType.EXPENSE,
}


def open_account_kind(prefix: str, kind_type: AccountType) -> None:
    """Adds a kind of account to the chart: every code starting with `prefix` (which ends with ':')
    is of `kind_type`, e.g. `open_account_kind("ads_balance:", AccountType.LIABILITY)`. Opening
    the same kind twice is harmless; giving a prefix another type is refused."""
    if not prefix.endswith(":") or not _CODE.match(prefix[:-1]):
        raise ValueError(f"not an account prefix: {prefix!r}")
    if _KINDS.setdefault(prefix, kind_type) != kind_type:
        raise ValueError(f"accounts {prefix}* are already {_KINDS[prefix]}")


def account_type(code: str) -> AccountType:
    """The type of an account code by the chart; codes outside it are refused."""
    if not _CODE.match(code) or len(code) > 120:
        raise ValueError(f"not an account code: {code!r}")
    if code in _EXACT:
        return _EXACT[code]
    for prefix in sorted(_KINDS, key=len, reverse=True):
        if code.startswith(prefix):
            return _KINDS[prefix]
    raise ValueError(f"account {code!r} is not in the chart")


def community_revenue(community_id: int) -> str:
    return f"revenue:community:{community_id}"


def payee_account(payee: str) -> str:
    """`store:3` → `merchant_payable:store:3`; any other `kind:id` → `payable:kind:id`."""
    if not _PAYEE.match(payee):
        raise ValueError(f"not a payee: {payee!r}")
    return f"{MERCHANT_PAYABLE_PREFIX}{payee}" if payee.startswith("store:") else f"{PAYABLE_PREFIX}{payee}"


def payee_of(code: str) -> str | None:
    for prefix in (MERCHANT_PAYABLE_PREFIX, PAYABLE_PREFIX):
        if code.startswith(prefix):
            return code.removeprefix(prefix)
    return None


def is_valid_payee(payee: str) -> bool:
    return bool(_PAYEE.match(payee))


def _check(postings: list[tuple[str, int, str]]) -> None:
    if len(postings) < 2:
        raise UnbalancedEntry("an entry needs at least two postings")
    totals: dict[str, int] = defaultdict(int)
    for code, amount, currency in postings:
        account_type(code)
        # bool is an int in Python; money is never a bool (nor a float).
        if type(amount) is not int or amount == 0:
            raise UnbalancedEntry(f"posting amounts are non-zero integers in minor units, got {amount!r}")
        if not _CURRENCY.match(currency):
            raise UnbalancedEntry(f"not a currency code: {currency!r}")
        totals[currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedEntry(f"postings do not sum to zero: {unbalanced}")


def dialect_insert(session: Session, model):
    """INSERT with `on_conflict_do_nothing`, for PostgreSQL and SQLite alike."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def open_account(session: Session, code: str, currency: str) -> int:
    """The id of an account, created at zero balance if it is new."""
    # Insert-or-nothing, then read: two transactions opening the same account never collide.
    session.execute(
        dialect_insert(session, LedgerAccount)
        .values(code=code, currency=currency, type=account_type(code), balance=0, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["code", "currency"])
    )
    return session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    )


def post_entry(
    session: Session,
    *,
    key: str,
    description: str,
    postings: list[tuple[str, int, str]],
    occurred_at: datetime | None = None,
) -> JournalEntry:
    """Posts a balanced entry once per `key`; a second call returns the first entry unchanged.

    `postings` are `(account code, signed amount, currency)`, debits positive, summing to zero per
    currency; anything else raises `UnbalancedEntry`. Runs in the caller's transaction (does not
    commit). Concurrent calls with one key: the unique key makes the later one wait for the first
    and then return its entry. Account balances are updated in account-id order so that two
    entries never deadlock on each other's accounts.
    """
    _check(postings)
    if not key or len(key) > 200:
        raise ValueError("an entry key is 1 to 200 characters")
    existing = session.scalar(select(JournalEntry).where(JournalEntry.key == key))
    if existing is not None:
        return existing
    # Opened in one order too, so two entries creating the same new accounts cannot deadlock.
    accounts = {pair: open_account(session, *pair) for pair in sorted({(code, cur) for code, _, cur in postings})}
    entry_id = session.scalar(
        dialect_insert(session, JournalEntry)
        .values(key=key, description=description[:255], occurred_at=occurred_at or utcnow(), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(JournalEntry.id)
    )
    if entry_id is None:  # a concurrent transaction posted this key first and has committed
        return session.scalar(select(JournalEntry).where(JournalEntry.key == key))
    deltas: dict[int, int] = defaultdict(int)
    for code, amount, currency in postings:
        account_id = accounts[(code, currency)]
        session.add(Posting(entry_id=entry_id, account_id=account_id, amount=amount, currency=currency))
        deltas[account_id] += amount
    for account_id in sorted(deltas):
        session.execute(
            update(LedgerAccount)
            .where(LedgerAccount.id == account_id)
            .values(balance=LedgerAccount.balance + deltas[account_id])
            .execution_options(synchronize_session=False)
        )
    # flush: the postings belong to the entry the caller gets back
    session.flush()
    return session.get(JournalEntry, entry_id)


def transfer(session: Session, *, key: str, debit: str, credit: str, amount: int, currency: str,
             description: str, occurred_at: datetime | None = None) -> JournalEntry:
    """Moves `amount` from one account to another: a two-posting entry, debit `debit` and credit
    `credit` (e.g. ad spend: debit a store's `ads_balance:store:3`, credit `revenue:ads`). Once per
    `key`, in the caller's transaction, like `post_entry`."""
    if type(amount) is not int or amount <= 0:
        raise UnbalancedEntry(f"a transfer moves a positive whole amount, got {amount!r}")
    return post_entry(session, key=key, description=description, occurred_at=occurred_at,
                      postings=[(debit, amount, currency), (credit, -amount, currency)])


def balance(session: Session, code: str, currency: str) -> int:
    """The derived balance of one account (debits positive); 0 for an account never posted to."""
    value = session.scalar(
        select(LedgerAccount.balance).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    )
    return value or 0


def lock_accounts(session: Session, account_ids: list[int]) -> list[LedgerAccount]:
    """Row-locks accounts in id order (the order `post_entry` updates them in)."""
    return list(
        session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.id.in_(account_ids))
            .order_by(LedgerAccount.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


@dataclass
class BooksReport:
    entries: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)


def check_books(session: Session) -> BooksReport:
    """Every entry sums to zero per currency and every account's balance equals its postings."""
    report = BooksReport(
        entries=session.scalar(select(func.count()).select_from(JournalEntry)) or 0,
        accounts=session.scalar(select(func.count()).select_from(LedgerAccount)) or 0,
    )
    unbalanced = session.execute(
        select(JournalEntry.key, Posting.currency, func.sum(Posting.amount))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.key, Posting.currency)
        .having(func.sum(Posting.amount) != 0)
        .order_by(JournalEntry.id)
    )
    for key, currency, total in unbalanced:
        report.problems.append(f"entry {key}: {currency} postings sum to {total}, not 0")
    lonely = session.execute(
        select(JournalEntry.key)
        .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.key)
        .having(func.count(Posting.id) < 2)
    )
    for (key,) in lonely:
        report.problems.append(f"entry {key}: fewer than two postings")
    foreign = session.execute(
        select(JournalEntry.key, LedgerAccount.code, Posting.currency, LedgerAccount.currency)
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(Posting.currency != LedgerAccount.currency)
    )
    for key, code, posted, kept in foreign:
        report.problems.append(f"entry {key}: a {posted} posting on {code} kept in {kept}")
    sums = (
        select(Posting.account_id, func.sum(Posting.amount).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    drifted = session.execute(
        select(LedgerAccount.code, LedgerAccount.currency, LedgerAccount.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.balance != func.coalesce(sums.c.total, 0))
        .order_by(LedgerAccount.code)
    )
    for code, currency, kept, total in drifted:
        report.problems.append(f"account {code} ({currency}): balance {kept} but postings sum to {total}")
    return report
