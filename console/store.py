"""A store's orders board (new → accepted → ready → out for delivery → delivered), an order's page
with its refunds, and the settlement statement with its chart and CSV: the same queries and
services as /api/stores/<id>/orders and /api/stores/<id>/settlement."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, g, redirect, request, url_for

from commerce.orders import queries, refunds, service
from commerce.orders.models import OrderStatus
from commerce.orders.schemas import OrderRefundCreateSchema, PickupCodeSchema, StoreOrderSchema
from commerce.stores import queries as store_queries
from commerce.stores import reports
from commerce.stores.schemas import Money
from console import charts, forms
from console.labels import label
from console.problems import render_page, shows_problems
from console.web import blp
from core.db import db
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.pagination import PageArgs, paginate
from core.timeutil import to_local
from payments import exports

BOARD = [OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.READY, OrderStatus.OUT_FOR_DELIVERY,
         OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.CANCELLED]
# The one step each column's orders take next, as the API's /accept, /ready, /out-for-delivery, /delivered.
NEXT = {OrderStatus.PAID: OrderStatus.ACCEPTED, OrderStatus.ACCEPTED: OrderStatus.READY,
        OrderStatus.READY: OrderStatus.OUT_FOR_DELIVERY, OrderStatus.OUT_FOR_DELIVERY: OrderStatus.DELIVERED}
_page_args, _shown, _refund, _pickup = PageArgs(), StoreOrderSchema(), OrderRefundCreateSchema(), PickupCodeSchema()
_amount = Money(low=1)


def _store(store_id: int):
    store, _access = store_queries.get_own_store(db.session, g.console_actor, store_id)
    return store


@blp.get("/stores/<int:store_id>/orders")
def orders_board(store_id: int):
    status = request.args.get("status") or OrderStatus.PAID
    if status not in BOARD:
        raise InvalidInput(errors={"status": [str(_l("Not a status of the board."))]})
    counts = {s: paginate(db.session, queries.store_orders(db.session, g.console_actor, store_id, status=s),
                          {"page": 1, "page_size": 1})["total"] for s in BOARD[:5]}
    page = paginate(db.session, queries.store_orders(db.session, g.console_actor, store_id, status=status),
                    forms.load(_page_args, request.args))
    page["items"] = [_shown.dump(order) for order in page["items"]]
    return render_page("console/store/orders.html", store=_store(store_id), page=page, status=status, board=BOARD,
                       counts=counts, next_step=NEXT.get(status))


def order_page(store_id: int, order_id: int, problem=None):
    order = queries.get_store_order(db.session, g.console_actor, store_id, order_id)
    return render_page("console/store/order.html", store=_store(store_id), order=_shown.dump(order), problem=problem,
                       next_step=NEXT.get(order.status))


@blp.get("/stores/<int:store_id>/orders/<int:order_id>")
def store_order(store_id: int, order_id: int):
    return order_page(store_id, order_id)


@blp.post("/stores/<int:store_id>/orders/<int:order_id>/advance")
@shows_problems(order_page)
def order_advance(store_id: int, order_id: int):
    to_status = request.form.get("to_status", "")
    if to_status not in NEXT.values():
        raise InvalidInput(errors={"to_status": [str(_l("Not a step of an order."))]})
    service.advance_order(db.session, g.console_actor, store_id, order_id, to_status=to_status)
    flash(str(_l("Order #%(id)s: %(status)s.", id=order_id, status=label("order", to_status))))
    return redirect((request.form.get("back") == "board" and url_for("console.orders_board", store_id=store_id,
                                                                      status=to_status))
                    or url_for("console.store_order", store_id=store_id, order_id=order_id))


@blp.post("/stores/<int:store_id>/orders/<int:order_id>/pickup")
@shows_problems(order_page)
def order_pickup(store_id: int, order_id: int):
    service.pick_up(db.session, g.console_actor, store_id, order_id, **forms.load(_pickup, request.form))
    flash(str(_l("Order #%(id)s is handed over.", id=order_id)))
    return redirect(url_for("console.store_order", store_id=store_id, order_id=order_id))


def _fen(text: str) -> int | str:
    """Yuan as typed ("12.5") in fen (1250); what is not an amount stays text for the schema to refuse."""
    try:
        fen = Decimal(text.strip()) * 100
    except InvalidOperation:
        return text
    return int(fen) if fen == fen.to_integral_value() else text


@blp.post("/stores/<int:store_id>/orders/<int:order_id>/refunds")
@shows_problems(order_page)
def order_refund(store_id: int, order_id: int):
    """By a line's units, or by an amount in yuan: the API's refund body either way."""
    form = request.form
    body: dict = {"reason": form.get("reason", "")}
    if form.get("line_id"):
        body["lines"] = [{"line_id": _int(form["line_id"]), "quantity": _int(form.get("quantity", ""))}]
    else:
        body["amount"] = _fen(form.get("amount", ""))
    refund = refunds.refund_order(db.session, g.console_actor, store_id, order_id, **forms.load(_refund, {}, **body))
    flash(str(_l("Refunded ¥%(amount)s.", amount=f"{refund.amount / 100:.2f}")))
    return redirect(url_for("console.store_order", store_id=store_id, order_id=order_id))


def _int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def _period() -> dict:
    return {"first": forms.day(request.args.get("from")), "last": forms.day(request.args.get("to"))}


@blp.get("/stores/<int:store_id>/statement")
def statement(store_id: int):
    report = reports.store_statement(db.session, g.console_actor, store_id, **_period())
    chart = charts.statement_by_day(
        report["lines"], opening=report["opening_balance"],
        day_of=lambda moment: to_local(moment, report["timezone"]).strftime("%m-%d"),
        name_of=lambda kind: label("statement", kind), balance_name=str(_l("Balance")))
    return render_page("console/store/statement.html", store=_store(store_id), report=report, chart=chart)


@blp.get("/stores/<int:store_id>/statement.csv")
def statement_csv(store_id: int):
    return exports.csv_response(*reports.store_statement_rows(db.session, g.console_actor, store_id, **_period()))
