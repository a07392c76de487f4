"""What logistics shows: a courier its own route, a resident the delivery of its own order (with the
courier's location only while that order is on its way), managers their community's couriers on
duty (never where they are), a courier its earnings. Reads only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commerce.orders.models import Order
from community.models import StaffRole
from core.auth import Actor
from core.errors import Forbidden, NotFound
from core.models import utcnow
from identity.models import User
from logistics.models import ACTIVE_TASKS, Courier, CourierCommunity, DeliveryTask, TaskStatus
from logistics.service import communities_of, courier_payee, my_courier
from payments import ledger, statements


def courier_view(session: Session, courier: Courier) -> dict:
    return {"id": courier.id, "user_id": courier.user_id, "community_ids": communities_of(session, courier.id),
            "store_id": courier.store_id, "vehicle": courier.vehicle, "capacity": courier.capacity,
            "max_weight_grams": courier.max_weight_grams, "on_duty": courier.on_duty,
            "location_consent": courier.location_consent}


def task_view(task: DeliveryTask) -> dict:
    return {"id": task.id, "kind": task.kind, "order_id": task.order_id, "group_deal_id": task.group_deal_id,
            "order_ids": task.order_ids if task.kind == "haul" else [task.order_id],
            "weight_grams": task.weight_grams, "store_id": task.store_id, "status": task.status,
            "pickup": {"latitude": task.pickup_latitude, "longitude": task.pickup_longitude},
            "drop": {"latitude": task.drop_latitude, "longitude": task.drop_longitude, "label": task.drop_label},
            "promised_by": task.promised_by, "eta": task.eta, "route_position": task.route_position,
            "offered_at": task.offered_at, "fee": task.fee, "currency": task.currency,
            "picked_up_at": task.picked_up_at, "delivered_at": task.delivered_at,
            "failure_reason": task.failure_reason}


def my_route(session: Session, actor: Actor) -> dict:
    """The courier's tasks in hand, in the order of its route, and the next one to act on."""
    courier = my_courier(session, actor)
    tasks = list(session.scalars(select(DeliveryTask).where(DeliveryTask.courier_id == courier.id,
                                                            DeliveryTask.status.in_(ACTIVE_TASKS))
                                 .order_by(DeliveryTask.route_position.nulls_last(), DeliveryTask.id)))
    return {"on_duty": courier.on_duty, "location_consent": courier.location_consent,
            "tasks": [task_view(t) for t in tasks], "next": task_view(tasks[0]) if tasks else None}


def order_delivery(session: Session, actor: Actor, community_id: int, order_id: int) -> dict:
    """The resident's own order's delivery: progress and ETA; the courier's point only while the order
    is on its way to them."""
    order = session.get(Order, order_id)
    if order is None or order.community_id != community_id or order.user_id != actor.user_id:
        raise NotFound()
    task = session.scalar(select(DeliveryTask).where(DeliveryTask.order_id == order_id))
    if task is None:
        raise NotFound()
    courier = session.get(Courier, task.courier_id) if task.courier_id else None
    shown = None
    if courier is not None and task.status in (TaskStatus.ACCEPTED, TaskStatus.PICKED_UP):
        name = session.scalar(select(User.display_name).where(User.id == courier.user_id))
        shown = {"name": (name or "")[:1] + "师傅", "vehicle": courier.vehicle, "location": None}
        if task.status == TaskStatus.PICKED_UP and courier.latitude is not None:
            shown["location"] = {"latitude": courier.latitude, "longitude": courier.longitude,
                                 "at": courier.located_at}
    return {"order_id": order_id, "status": task.status, "promised_by": task.promised_by, "eta": task.eta,
            "picked_up_at": task.picked_up_at, "delivered_at": task.delivered_at, "courier": shown}


def community_couriers(session: Session, actor: Actor, community_id: int) -> list[dict]:
    """Couriers of the community with their duty and load, for its managers: no locations."""
    if not (actor.is_platform_admin or actor.has_role(community_id, StaffRole.MANAGER)):
        raise Forbidden()
    load = dict(session.execute(select(DeliveryTask.courier_id, func.count()).where(
        DeliveryTask.community_id == community_id, DeliveryTask.status.in_(ACTIVE_TASKS))
        .group_by(DeliveryTask.courier_id)).all())
    rows = session.execute(select(Courier, User.display_name).join(User, User.id == Courier.user_id)
                           .join(CourierCommunity, CourierCommunity.courier_id == Courier.id)
                           .where(CourierCommunity.community_id == community_id).order_by(Courier.id)).all()
    return [{"id": c.id, "name": name, "vehicle": c.vehicle, "capacity": c.capacity, "on_duty": c.on_duty,
             "store_id": c.store_id, "active_tasks": load.get(c.id, 0)} for c, name in rows]


def my_earnings(session: Session, actor: Actor, *, since: datetime, until: datetime) -> dict:
    """What the courier earned, as a statement of its ledger account, and what it is owed now."""
    courier = my_courier(session, actor)
    code = ledger.payee_account(courier_payee(courier))
    statement = statements.account_statement(session, code=code, currency="CNY", since=since, until=until)
    return {"balance": -ledger.balance(session, code, "CNY"), "currency": "CNY",
            "opening_balance": statement.opening_balance, "closing_balance": statement.closing_balance,
            "lines": [{"kind": line.kind, "amount": line.amount, "occurred_at": line.occurred_at,
                       "description": line.description} for line in statement.lines],
            "as_of": utcnow()}


def my_incoming_hauls(session: Session, actor: Actor) -> list[dict]:
    """For a pickup point's host: group-deal goods on their way to the points it hosts, with the code
    it gives the courier on arrival."""
    from commerce.groupbuy.models import GroupDeal, PickupPoint

    tasks = session.scalars(
        select(DeliveryTask).join(GroupDeal, GroupDeal.id == DeliveryTask.group_deal_id)
        .join(PickupPoint, PickupPoint.id == GroupDeal.pickup_point_id)
        .where(PickupPoint.host_user_id == actor.user_id, DeliveryTask.kind == "haul",
               DeliveryTask.status.in_((TaskStatus.OPEN, *ACTIVE_TASKS)))
        .order_by(DeliveryTask.id))
    return [{**task_view(task), "handover_code": task.handover_code} for task in tasks]
