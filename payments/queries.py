"""Read-side selects of payments: payments, commission rates, payouts and payee balances."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.auth import Actor
from core.errors import NotFound
from core.policy import allows, require
from payments import ledger, statements
from payments.models import CommissionRate, Payment, Payout
from payments.policy import Permission


def get_payment(session: Session, actor: Actor, payment_id: int) -> Payment:
    """One payment, for the platform; to anyone else it does not exist (404)."""
    payment = session.get(Payment, payment_id)
    if payment is None or not allows(actor, Permission.PAYMENT_VIEW, payment):
        raise NotFound()
    return payment


def payments(actor: Actor, *, reference: str | None = None, status: str | None = None,
             community_id: int | None = None) -> Select:
    require(actor, Permission.PAYMENT_VIEW)
    query = select(Payment).order_by(Payment.id.desc())
    if reference:
        query = query.where(Payment.reference == reference)
    if status:
        query = query.where(Payment.status == status)
    if community_id:
        query = query.where(Payment.community_id == community_id)
    return query


def commission_rates(actor: Actor, *, community_id: int | None = None) -> Select:
    require(actor, Permission.COMMISSION_MANAGE)
    query = select(CommissionRate).order_by(
        CommissionRate.community_id.is_not(None), CommissionRate.community_id, CommissionRate.store_category
    )
    if community_id:
        query = query.where(CommissionRate.community_id == community_id)
    return query


def payouts_query(*, payee: str | None = None) -> Select:
    """Payouts newest first (each with its statement lines), of one payee or of all."""
    query = select(Payout).order_by(Payout.id.desc())
    if payee:
        query = query.where(Payout.payee == payee)
    return query


def payouts_for(session: Session, *, payee: str) -> list[Payout]:
    """A payee's payouts, newest first, each with its statement `lines` (what it settled).

    For the higher floor that shows a store its statements (after its own policy check).
    """
    return list(session.scalars(payouts_query(payee=payee)))


def payee_balance(session: Session, *, payee: str, currency: str = "CNY") -> int:
    """What the platform owes `payee` now and will pay at the next settlement (negative: it owes us)."""
    return -ledger.balance(session, ledger.payee_account(payee), currency)


def visible_payouts(actor: Actor, *, payee: str | None = None) -> Select:
    require(actor, Permission.PAYOUT_VIEW)
    return payouts_query(payee=payee)


def get_payout(session: Session, actor: Actor, payout_id: int) -> Payout:
    payout = session.get(Payout, payout_id)
    if payout is None or not allows(actor, Permission.PAYOUT_VIEW, payout):
        raise NotFound()
    return payout


def platform_summary(session: Session, actor: Actor, *, first, last) -> dict:
    """The platform's totals over a period of UTC days and month by month (platform admins)."""
    require(actor, Permission.PLATFORM_REPORTS)
    first, last, since, until = statements.period(first, last, "UTC")
    totals = statements.platform_summary(session, since=since, until=until)
    return {
        "from_": first, "to": last,
        "totals": [{"currency": currency, **values} for currency, values in sorted(totals.items())],
        "months": [{"month": month, "currency": currency, **values}
                   for month, by_currency in statements.platform_months(session, first=first, last=last)
                   for currency, values in sorted(by_currency.items())],
    }
