"""Use cases of after-sales (售后): a resident asks to return or be refunded for lines of a
delivered order; the store approves (a refund, and a restock if the goods came back) or rejects.

Each commits once. Contention: opening a request locks the order, so one order has at most one
open request (a partial unique index is the last guard); a decision or a withdrawal locks the
request first, then the order, so of simultaneous decisions exactly one is taken and the money
moves once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commerce.catalog.models import Variant
from commerce.errors import ReturnAlreadyOpen, ReturnNotAllowed, ReturnNotOpen
from commerce.orders import pricing, queries
from commerce.orders.lifecycle import lock_order, money
from commerce.orders.models import REASON_LABELS, ReturnEvent, ReturnKind, ReturnRequest, ReturnStatus
from commerce.orders.refunds import grant_refund, send_refunds
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from commerce.stores.models import Store
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.models import utcnow

kinds.register("return.requested", title=N_("Return requested on order #%(order)s"),
               body=N_("A resident asks for %(amount)s back (%(reason)s). Approve or reject it."),
               translated=("reason",))
kinds.register("return.withdrawn", title=N_("Return withdrawn on order #%(order)s"),
               body=N_("The resident withdrew their return request; nothing is left to do."))
kinds.register("return.approved", title=N_("Return approved on order #%(order)s"),
               body=N_("%(store)s approved your return: %(amount)s is on its way back to you."))
kinds.register("return.rejected", title=N_("Return rejected on order #%(order)s"),
               body=N_("%(store)s rejected your return: %(reason)s"))


def _step(found: ReturnRequest, to_status: str, actor_user_id: int, note: str | None = None) -> None:
    found.history.append(ReturnEvent(from_status=found.status, to_status=to_status, actor_user_id=actor_user_id,
                                     note=note[:255] if note else None))
    found.status = to_status


def _lock_open(session: Session, return_id: int) -> ReturnRequest:
    """The request, locked; 409 unless it still waits for a decision."""
    found = session.scalar(select(ReturnRequest).where(ReturnRequest.id == return_id).with_for_update()
                           .execution_options(populate_existing=True))
    if found.status != ReturnStatus.REQUESTED:
        raise ReturnNotOpen()
    return found


def _asked_lines(order, lines: list[dict], kind: str) -> tuple[list[dict], int]:
    """The lines asked back, as they stand, and what they would refund; 422 for lines it cannot take."""
    owned = {line.id: line for line in order.lines}
    asked, amount, seen = [], 0, set()
    for item in lines:
        line = owned.get(item["line_id"])
        if line is None or line.id in seen:
            raise InvalidInput(errors={"lines": [str(_l("Name each line of this order once."))]})
        seen.add(line.id)
        if item["quantity"] > line.quantity - line.refunded_quantity:
            raise InvalidInput(errors={"lines": [str(_l("More units than are left to refund on a line."))]})
        if kind == ReturnKind.RETURN_AND_REFUND and line.slot_id is not None:
            raise InvalidInput(errors={"kind": [str(_l("A service cannot be sent back; ask for a refund only."))]})
        share = pricing.refund_for_units(line.line_total, line.quantity, line.refunded_quantity, item["quantity"])
        asked.append({"line_id": line.id, "quantity": item["quantity"], "product_name": line.product_name,
                      "variant_name": line.variant_name, "amount": share})
        amount += share
    if amount <= 0:  # free lines (a 100 % coupon): there is no money to give back
        raise InvalidInput(errors={"lines": [str(_l("These lines have nothing left to refund."))]})
    if amount > order.total - order.refunded:  # the store already gave money back by amount, not by line
        raise InvalidInput(errors={"lines": [str(_l("The order has less left to refund than these lines."))]})
    return asked, amount


def request_return(session: Session, actor: Actor, community_id: int, order_id: int, *, kind: str, reason: str,
                   lines: list[dict], description: str | None = None, photos: list[str] | None = None,
                   now: datetime | None = None) -> ReturnRequest:
    """The resident asks for lines of a delivered order back, within RETURN_WINDOW of delivery.

    Commits. Notifies the store's staff. 409 outside the window or while another request is open.
    """
    now = now or utcnow()
    order = lock_order(session, queries.get_my_order(session, actor, community_id, order_id).id)
    if order.returnable_until is None or now > order.returnable_until:
        raise ReturnNotAllowed()
    open_one = select(ReturnRequest.id).where(ReturnRequest.order_id == order.id,
                                              ReturnRequest.status == ReturnStatus.REQUESTED)
    if session.scalar(open_one) is not None:
        raise ReturnAlreadyOpen()
    asked, amount = _asked_lines(order, lines, kind)
    found = ReturnRequest(order_id=order.id, store_id=order.store_id, community_id=order.community_id,
                          user_id=actor.user_id, kind=kind, reason=reason, description=description,
                          photos=list(photos or []), lines=asked, amount=amount, status=ReturnStatus.REQUESTED)
    found.history = [ReturnEvent(from_status=None, to_status=ReturnStatus.REQUESTED, actor_user_id=actor.user_id,
                                 note=reason)]
    session.add(found)
    # flush: the notification names the request
    session.flush()
    notify(session, user_ids=store_queries.staff_user_ids(session, order.store_id), kind="return.requested",
           params={"order": order.id, "amount": money(amount, order.currency), "reason": REASON_LABELS[reason]},
           community_id=order.community_id, subject=("return", found.id), dedupe_key=f"return.requested:{found.id}")
    session.commit()
    return found


def withdraw_return(session: Session, actor: Actor, community_id: int, return_id: int) -> ReturnRequest:
    """The resident takes back an open request. Commits; tells the store's staff it is off their queue."""
    found = _lock_open(session, queries.get_my_return(session, actor, community_id, return_id).id)
    _step(found, ReturnStatus.WITHDRAWN, actor.user_id)
    notify(session, user_ids=store_queries.staff_user_ids(session, found.store_id), kind="return.withdrawn",
           params={"order": found.order_id}, community_id=found.community_id, subject=("return", found.id),
           dedupe_key=f"return.withdrawn:{found.id}")
    session.commit()
    return found


def _decided(session: Session, found: ReturnRequest, to_status: str, actor: Actor, note: str | None,
             kind: str, **params) -> None:
    _step(found, to_status, actor.user_id, note)
    found.decision_note, found.decided_by, found.decided_at = note, actor.user_id, utcnow()
    store = session.get(Store, found.store_id)
    notify(session, user_ids=[found.user_id], kind=kind,
           params={"order": found.order_id, "store": store.name, **params},
           community_id=found.community_id, subject=("return", found.id), dedupe_key=f"{kind}:{found.id}")


def approve_return(session: Session, actor: Actor, store_id: int, return_id: int, *, restock: bool = False,
                   note: str | None = None) -> ReturnRequest:
    """The store's owner grants the request: the lines are refunded, and restocked if asked.

    Commits, then calls Stripe (the refund, booked through payments, which posts the reversal of the
    sale, then sent with no lock held); notifies the resident. Restocking applies to goods sent
    back (`return_and_refund`).
    """
    asked = queries.get_store_return(session, actor, store_id, return_id, Permission.ORDER_REFUND)
    found = _lock_open(session, asked.id)
    order = lock_order(session, found.order_id)
    refund = grant_refund(session, order, reason=f"return #{found.id}: {found.reason}", actor_user_id=actor.user_id,
                          lines=[{"line_id": ln["line_id"], "quantity": ln["quantity"]} for ln in found.lines],
                          tell=False)
    # flush: the request names the refund
    session.flush()
    found.order_refund_id = refund.id
    if restock and found.kind == ReturnKind.RETURN_AND_REFUND:
        variants = {line.id: line.variant_id for line in order.lines if line.slot_id is None}
        for line in sorted(found.lines, key=lambda ln: variants.get(ln["line_id"], 0)):
            if line["line_id"] in variants:
                session.execute(update(Variant).where(Variant.id == variants[line["line_id"]])
                                .values(stock=Variant.stock + line["quantity"])
                                .execution_options(synchronize_session=False))
        found.restocked = True
    _decided(session, found, ReturnStatus.APPROVED, actor, note, "return.approved",
             amount=money(refund.amount, order.currency))
    session.commit()
    send_refunds(session, refund.payment_refund_id)
    return found


def reject_return(session: Session, actor: Actor, store_id: int, return_id: int, *, reason: str) -> ReturnRequest:
    """The store's staff turn the request down with a reason. Commits; notifies the resident."""
    found = _lock_open(session, queries.get_store_return(session, actor, store_id, return_id).id)
    _decided(session, found, ReturnStatus.REJECTED, actor, reason, "return.rejected", reason=reason)
    session.commit()
    return found
