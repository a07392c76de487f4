"""Statements of the ledger people can read: one account's lines over a period (a store's settlement,
a community's revenue) and the platform's totals. Reads only; they tie to the journal to the fen.

A statement is built from the postings on one account whose entries occurred in [since, until):
`opening_balance + sum(line.amount) == closing_balance`, amounts signed from the account holder's
side (positive: the platform owes them more). An entry is shown as the lines a person expects,
decomposed from its own postings, never recomputed: a payment as the amount paid less the
platform's and the community's commission, a refund as the amount refunded less the commission
that comes back, a payout, a pickup host's share, anything else as an adjustment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.timeutil import local_date, local_day_bounds
from payments import ledger
from payments.models import JournalEntry, LedgerAccount, Payment, Payout, Posting, Refund

MAX_PERIOD_DAYS = 366
_CAPTURE = re.compile(r"^payment:(\d+):capture$")
_REFUND = re.compile(r"^refund:(\d+)(:failed)?$")
_HOST = re.compile(r"^order:(\d+):(pickup_host|.*:host)$")


@dataclass
class StatementLine:
    kind: str  # payment, platform_commission, community_commission, refund, commission_returned, ...
    amount: int
    occurred_at: datetime
    description: str
    entry_key: str
    payment_id: int | None = None
    refund_id: int | None = None
    payout_id: int | None = None
    reference: str | None = None  # what the payment paid for: "order:42", "groupjoin:7"
    payee: str | None = None  # who the payment was to: "store:3"


@dataclass
class Statement:
    account: str
    currency: str
    since: datetime
    until: datetime
    opening_balance: int
    closing_balance: int
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        sums: dict[str, int] = {}
        for line in self.lines:
            sums[line.kind] = sums.get(line.kind, 0) + line.amount
        return sums


def _owed(session: Session, account_id: int | None, before: datetime) -> int:
    """What the account's holder is owed by the platform (minus the balance) from entries before `before`."""
    if account_id is None:
        return 0
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == account_id, JournalEntry.occurred_at < before)
    )
    return -int(total)


# Line kinds of higher floors' entries, by key prefix (financing's advances, ads' spend), registered
# when the app is created; an entry nobody names reads as an adjustment.
_ENTRY_KINDS: dict[str, str] = {}


def register_entry_kind(prefix: str, kind: str) -> None:
    """Statements show entries whose key starts with `prefix` as lines of `kind`."""
    if _ENTRY_KINDS.setdefault(prefix, kind) != kind:
        raise ValueError(f"entries {prefix}* are already {_ENTRY_KINDS[prefix]}")


def _registered_kind(key: str) -> str | None:
    return next((kind for prefix, kind in _ENTRY_KINDS.items() if key.startswith(prefix)), None)


def _split_entry(entry: JournalEntry, code: str, account_id: int, own: int) -> list[tuple[str, int]]:
    """The entry's effect on the account (`own`, signed for the holder) as the lines a person reads."""
    capture, refund = _CAPTURE.match(entry.key), _REFUND.match(entry.key)
    refund_kind = "refund_reversed" if refund and refund.group(2) else "refund"
    if code.startswith("revenue:community:"):
        if capture:
            return [("community_share", own)]
        return [("community_share_returned" if refund_kind == "refund" else "community_share", own)] if refund else [
            ("adjustment", own)]
    by_code = {p.account.code: p.amount for p in entry.postings if p.account_id != account_id}
    platform = by_code.get(ledger.PLATFORM_COMMISSION, 0)
    community = sum(a for c, a in by_code.items() if c.startswith("revenue:community:"))
    if capture:
        base = "payment"
        lines = [("payment", by_code.get(ledger.CLEARING, 0)), ("platform_commission", platform),
                 ("community_commission", community)]
    elif refund:
        base = refund_kind
        # The refund's credit to `refunds` is what went back to the resident (a debit if it failed).
        lines = [(refund_kind, by_code.get(ledger.REFUNDS, 0)), ("commission_returned", platform + community)]
    elif entry.key.startswith("payout:"):
        base, lines = "payout", [("payout", own)]
    elif _HOST.match(entry.key):
        base, lines = "pickup_host_commission", [("pickup_host_commission", own)]
    elif (kind := _registered_kind(entry.key)) is not None:
        base, lines = kind, [(kind, own)]
    else:
        base, lines = "adjustment", [("adjustment", own)]
    lines = [(kind, amount) for kind, amount in lines if amount != 0]
    # Not the shape expected (the holder is not this entry's payee): one line, exactly as posted.
    return lines if sum(a for _, a in lines) == own else [(base, own)]


def account_statement(session: Session, *, code: str, currency: str, since: datetime, until: datetime) -> Statement:
    """The statement of one ledger account over [since, until). Reads only."""
    account_id = session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    )
    statement = Statement(account=code, currency=currency, since=since, until=until,
                          opening_balance=_owed(session, account_id, since), closing_balance=0)
    if account_id is None:
        return statement
    rows = session.execute(
        select(Posting.amount, JournalEntry)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == account_id, JournalEntry.occurred_at >= since, JournalEntry.occurred_at < until)
        .order_by(JournalEntry.occurred_at, JournalEntry.id)
    ).all()
    payment_ids, refund_ids = set(), set()
    for _amount, entry in rows:
        if (m := _CAPTURE.match(entry.key)) is not None:
            payment_ids.add(int(m.group(1)))
        elif (m := _REFUND.match(entry.key)) is not None:
            refund_ids.add(int(m.group(1)))
    refunds = dict(session.execute(select(Refund.id, Refund.payment_id).where(Refund.id.in_(refund_ids))).all())
    payments = {p.id: p for p in session.scalars(
        select(Payment).where(Payment.id.in_(payment_ids | set(refunds.values()))))}
    payouts = dict(session.execute(select(Payout.entry_id, Payout.id).where(
        Payout.entry_id.in_([entry.id for _a, entry in rows]))).all())
    for amount, entry in rows:
        capture, refund = _CAPTURE.match(entry.key), _REFUND.match(entry.key)
        refund_id = int(refund.group(1)) if refund else None
        payment_id = int(capture.group(1)) if capture else refunds.get(refund_id)
        payment = payments.get(payment_id)
        for kind, line_amount in _split_entry(entry, code, account_id, -amount):
            statement.lines.append(StatementLine(
                kind=kind, amount=line_amount, occurred_at=entry.occurred_at, description=entry.description,
                entry_key=entry.key, payment_id=payment_id, refund_id=refund_id, payout_id=payouts.get(entry.id),
                reference=payment.reference if payment else None, payee=payment.payee if payment else None))
    statement.closing_balance = statement.opening_balance + sum(line.amount for line in statement.lines)
    return statement


def platform_summary(session: Session, *, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    """Per currency, over [since, until): GMV (captured), the platform's commission, the communities'
    shares, refunds granted (net of those that failed), payouts, and Stripe's fees. Reads only."""
    rows = session.execute(
        select(LedgerAccount.code, Posting.currency, JournalEntry.key, func.sum(Posting.amount))
        .join(Posting, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.occurred_at >= since, JournalEntry.occurred_at < until)
        .group_by(LedgerAccount.code, Posting.currency, JournalEntry.key)
    ).all()
    summary: dict[str, dict[str, int]] = {}
    for code, currency, key, amount in rows:
        totals = summary.setdefault(currency, {"gmv": 0, "platform_commission": 0, "community_shares": 0,
                                               "refunds": 0, "payouts": 0, "stripe_fees": 0})
        amount = int(amount)
        if code == ledger.CLEARING and _CAPTURE.match(key):
            totals["gmv"] += amount
        elif code == ledger.PLATFORM_COMMISSION:
            totals["platform_commission"] -= amount
        elif code.startswith("revenue:community:"):
            totals["community_shares"] -= amount
        elif code == ledger.REFUNDS and _REFUND.match(key):
            totals["refunds"] -= amount
        elif code == ledger.CLEARING and key.startswith("payout:"):
            totals["payouts"] -= amount
        elif code == ledger.STRIPE_FEES:
            totals["stripe_fees"] += amount
    return summary


def period(first: date | None, last: date | None, tz: str) -> tuple[date, date, datetime, datetime]:
    """Local calendar days [first, last], both included (this month so far by default), and their
    [since, until) in UTC."""
    today = local_date(utcnow(), tz)
    last = last or today
    first = first or last.replace(day=1)
    if first > last or (last - first).days > MAX_PERIOD_DAYS:
        raise InvalidInput(errors={"from": [str(_l("A period is from one day to %(days)s days.",
                                                     days=MAX_PERIOD_DAYS + 1))]})
    return first, last, local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]


def months(first: date, last: date) -> list[date]:
    """The first day of every month that [first, last] touches."""
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def platform_months(session: Session, *, first: date, last: date, tz: str = "UTC") -> list[tuple[str, dict]]:
    """`platform_summary` month by month over the local days [first, last]."""
    rows = []
    for month in months(first, last):
        start = max(month, first)
        end = min((month + timedelta(days=32)).replace(day=1) - timedelta(days=1), last)
        since, until = local_day_bounds(start, tz)[0], local_day_bounds(end, tz)[1]
        rows.append((month.strftime("%Y-%m"), platform_summary(session, since=since, until=until)))
    return rows
