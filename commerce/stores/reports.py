"""Money people can read: a store's settlement statement and a community's revenue, for any period,
as JSON or CSV, with the orders behind each figure. Built on payments' ledger statements
(payments/statements.py), so every figure ties to the journal to the fen. Reads only.
"""
from __future__ import annotations

from datetime import date

from flask import current_app, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.orders.models import Order
from commerce.policy import Permission
from commerce.stores import queries
from commerce.stores.models import Store
from community import queries as community_queries
from core.auth import Actor
from core.policy import require
from core.timeutil import to_local
from payments import exports, ledger, statements
from payments import queries as payment_queries
from payments.models import PayoutAccount
from payments.schemas import ExportSchema

STATEMENT_HEADER = ["occurred_at", "kind", "amount_fen", "amount", "order_id", "payout_id", "refund_id", "description"]
REVENUE_HEADER = ["occurred_at", "kind", "amount_fen", "amount", "store_id", "store", "order_id"]


def _yuan(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def _orders_of(session: Session, payment_ids: set[int]) -> dict[int, int]:
    """Order ids by payment id (an order's payment, a group deal's join included)."""
    if not payment_ids:
        return {}
    return dict(session.execute(select(Order.payment_id, Order.id).where(Order.payment_id.in_(payment_ids))).all())


def store_statement(session: Session, actor: Actor, store_id: int, *, first: date | None = None,
                    last: date | None = None) -> dict:
    """The owner's statement over local days [first, last] (this month by default): the opening
    balance, every payment, commission, refund, pickup host's share, adjustment and payout as a line
    with its order or payout, the closing balance; what is owed now, and the payout account."""
    store = queries.require_store(session, actor, store_id, Permission.STORE_SETTLEMENT_VIEW)
    payee = f"store:{store.id}"
    first, last, since, until = statements.period(first, last, store.timezone)
    statement = statements.account_statement(session, code=ledger.payee_account(payee), currency=store.currency,
                                             since=since, until=until)
    orders = _orders_of(session, {line.payment_id for line in statement.lines if line.payment_id})
    account = session.scalar(select(PayoutAccount).where(PayoutAccount.payee == payee))
    return {
        "store_id": store.id, "currency": store.currency, "from_": first, "to": last, "timezone": store.timezone,
        "opening_balance": statement.opening_balance, "closing_balance": statement.closing_balance,
        "totals": statement.totals,
        "lines": [{"kind": line.kind, "amount": line.amount, "occurred_at": line.occurred_at,
                   "description": line.description, "order_id": orders.get(line.payment_id),
                   "payout_id": line.payout_id, "refund_id": line.refund_id} for line in statement.lines],
        "balance": payment_queries.payee_balance(session, payee=payee, currency=store.currency),
        "payouts": [p for p in payment_queries.payouts_for(session, payee=payee) if since <= p.created_at < until],
        "payout_account": account,
    }


def store_statement_rows(session: Session, actor: Actor, store_id: int, **period) -> tuple[str, list[list]]:
    report = store_statement(session, actor, store_id, **period)
    rows = [STATEMENT_HEADER,
            [report["from_"].isoformat(), "opening_balance", report["opening_balance"],
             _yuan(report["opening_balance"]), "", "", "", ""]]
    for line in report["lines"]:
        rows.append([to_local(line["occurred_at"], report["timezone"]).isoformat(timespec="seconds"), line["kind"],
                     line["amount"], _yuan(line["amount"]), line["order_id"] or "", line["payout_id"] or "",
                     line["refund_id"] or "", line["description"]])
    rows.append([report["to"].isoformat(), "closing_balance", report["closing_balance"],
                 _yuan(report["closing_balance"]), "", "", "", ""])
    return f"statement-store-{store_id}-{report['from_']}-{report['to']}.csv", rows


def community_revenue(session: Session, actor: Actor, community_id: int, *, first: date | None = None,
                      last: date | None = None) -> dict:
    """The community's share of what its residents paid, over local days [first, last], in total,
    by month and by store, with the orders behind each figure (the community's managers)."""
    community = community_queries.get_community(session, community_id)
    require(actor, Permission.COMMUNITY_REVENUE_VIEW, community_id)
    first, last, since, until = statements.period(first, last, community.timezone)
    currency = "CNY"
    statement = statements.account_statement(session, code=ledger.community_revenue(community_id),
                                             currency=currency, since=since, until=until)
    orders = _orders_of(session, {line.payment_id for line in statement.lines if line.payment_id})
    store_ids = {int(line.payee.split(":")[1]) for line in statement.lines if (line.payee or "").startswith("store:")}
    names = dict(session.execute(select(Store.id, Store.name).where(Store.id.in_(store_ids))).all())
    by_month: dict[str, int] = {}
    by_store: dict[int, dict] = {}
    lines = []
    for line in statement.lines:
        store_id = int(line.payee.split(":")[1]) if (line.payee or "").startswith("store:") else None
        order_id = orders.get(line.payment_id)
        month = to_local(line.occurred_at, community.timezone).strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + line.amount
        if store_id is not None:
            entry = by_store.setdefault(store_id, {"store_id": store_id, "store_name": names.get(store_id),
                                                   "amount": 0, "order_ids": set()})
            entry["amount"] += line.amount
            if order_id:
                entry["order_ids"].add(order_id)
        lines.append({"kind": line.kind, "amount": line.amount, "occurred_at": line.occurred_at,
                      "store_id": store_id, "store_name": names.get(store_id), "order_id": order_id})
    return {
        "community_id": community_id, "currency": currency, "from_": first, "to": last,
        "timezone": community.timezone, "total": sum(line.amount for line in statement.lines),
        "by_month": [{"month": month, "amount": amount} for month, amount in sorted(by_month.items())],
        "by_store": [{**entry, "orders": len(entry["order_ids"]), "order_ids": sorted(entry["order_ids"])}
                     for entry in sorted(by_store.values(), key=lambda e: -e["amount"])],
        "lines": lines,
    }


def community_revenue_rows(session: Session, actor: Actor, community_id: int, **period) -> tuple[str, list[list]]:
    report = community_revenue(session, actor, community_id, **period)
    rows = [REVENUE_HEADER]
    for line in report["lines"]:
        rows.append([to_local(line["occurred_at"], report["timezone"]).isoformat(timespec="seconds"), line["kind"],
                     line["amount"], _yuan(line["amount"]), line["store_id"] or "", line["store_name"] or "",
                     line["order_id"] or ""])
    rows.append(["", "total", report["total"], _yuan(report["total"]), "", "", ""])
    return f"revenue-community-{community_id}-{report['from_']}-{report['to']}.csv", rows


def _period(params: dict) -> dict:
    return {key: date.fromisoformat(params[key]) if params.get(key) else None for key in ("first", "last")}


def _produce_statement(session: Session, user_id: int, params: dict) -> tuple[str, list[list]]:
    actor = community_queries.load_actor(session, user_id)  # rights as they are when the job runs
    return store_statement_rows(session, actor, params["store_id"], **_period(params))


def _produce_revenue(session: Session, user_id: int, params: dict) -> tuple[str, list[list]]:
    actor = community_queries.load_actor(session, user_id)
    return community_revenue_rows(session, actor, params["community_id"], **_period(params))


def register_exports() -> None:
    """Called by create_app: the jobs that make large CSVs of these reports."""
    exports.register("store_statement", _produce_statement)
    exports.register("community_revenue", _produce_revenue)


def answer(session: Session, actor: Actor, kind: str, params: dict, rows_of, *, first=None, last=None,
           format: str = "json", report_of=None):
    """JSON, or CSV at once, or (a large CSV) an export made by a job: 202 with where to fetch it."""
    if format != "csv":
        return report_of(session, actor, **params, first=first, last=last)
    filename, rows = rows_of(session, actor, **params, first=first, last=last)
    if len(rows) <= current_app.config["EXPORT_INLINE_ROWS"]:
        return exports.csv_response(filename, rows)
    export = exports.start_export(session, actor, kind, {
        **params, "first": first.isoformat() if first else None, "last": last.isoformat() if last else None})
    response = jsonify(ExportSchema().dump(export))
    response.status_code = 202
    return response
