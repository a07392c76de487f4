"""Logistics' use cases: couriers' enrolment, duty and location; delivery tasks from commerce's order
events; dispatch; accepting, declining, collecting and delivering by the resident's code; the
courier's fee on the ledger in the transaction that marks the order delivered.

Location is sensitive personal information (PIPL Art. 28): it is stored only while the courier is on
duty and has consented, one point (the latest), throttled to one every LOCATION_EVERY, dropped when
the courier goes off duty and by `forget_stale_locations` once LOCATION_KEPT old.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commerce.orders import service as order_service
from commerce.orders.models import Order, OrderStatus
from commerce.stores import queries as store_queries
from community import queries as community_queries
from community.models import Community, StaffRole
from community.notifications import kinds
from community.notifications.service import notify
from core.auth import Actor
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.i18n import N_
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from identity.models import User
from identity.service import find_user_by_login
from logistics import dispatch
from logistics.models import ACTIVE_TASKS, Courier, CourierCommunity, DeliveryTask, TaskStatus
from logistics.weights import grams
from payments import ledger

log = logging.getLogger(__name__)

kinds.register(
    "delivery.assigned",
    title=N_("A courier is on the way with order %(order)s"),
    body=N_("%(courier)s will collect it at the store; expected by %(eta)s."),
)
kinds.register(
    "delivery.failed",
    title=N_("Order %(order)s could not be handed over"),
    body=N_("The courier could not hand it over (%(reason)s); the store will send it again or refund it."),
)

LOCATION_EVERY = timedelta(seconds=10)
LOCATION_KEPT = timedelta(minutes=15)
OFFER_SECONDS = 60  # an offer not accepted in this long goes to another courier
SLACK = timedelta(minutes=10)


class WrongCode(InvalidInput):
    code, title = "wrong_delivery_code", _l("That is not the resident's delivery code")


def courier_payee(courier: Courier) -> str:
    return f"courier:{courier.user_id}"


# -- couriers ----------------------------------------------------------------------------------------


def enroll_courier(session: Session, actor: Actor, community_id: int, *, login: str, vehicle: str,
                   capacity: int, store_id: int | None = None, max_weight_grams: int | None = None) -> Courier:
    """A community's manager enrols a user as a courier there (for the platform, or for one store
    serving it); a courier of other communities starts working in this one too, keeping its vehicle.
    Commits. 409 when it already works here."""
    if not (actor.is_platform_admin or actor.has_role(community_id, StaffRole.MANAGER)):
        raise Forbidden()
    if session.get(Community, community_id) is None:
        raise NotFound()
    user = find_user_by_login(session, login)
    if user is None:
        raise InvalidInput(errors={"login": [str(_l("No such user."))]})
    courier = session.scalar(select(Courier).where(Courier.user_id == user.id))
    if courier is None:
        courier = Courier(user_id=user.id, store_id=store_id, vehicle=vehicle, capacity=capacity,
                          max_weight_grams=max_weight_grams)
        session.add(courier)
        # flush: the membership names the courier
        session.flush()
    elif session.scalar(select(CourierCommunity.id).where(CourierCommunity.courier_id == courier.id,
                                                          CourierCommunity.community_id == community_id)):
        raise Conflict(_l("This user is a courier here already."))
    session.add(CourierCommunity(courier_id=courier.id, community_id=community_id))
    try:
        session.commit()
    except IntegrityError:  # enrolled twice at once
        session.rollback()
        raise Conflict(_l("This user is a courier here already.")) from None
    return courier


def communities_of(session: Session, courier_id: int) -> list[int]:
    return list(session.scalars(select(CourierCommunity.community_id).where(CourierCommunity.courier_id == courier_id)
                                .order_by(CourierCommunity.community_id)))


def my_courier(session: Session, actor: Actor, *, lock: bool = False) -> Courier:
    query = select(Courier).where(Courier.user_id == actor.user_id, Courier.active.is_(True))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    courier = session.scalar(query)
    if courier is None:
        raise Forbidden(_l("You are not a courier."))
    return courier


def set_duty(session: Session, actor: Actor, *, on_duty: bool, location_consent: bool,
             latitude: float | None = None, longitude: float | None = None) -> Courier:
    """On or off duty. Off duty (or without consent) the location is forgotten and offers not yet
    accepted go back to dispatch. Commits."""
    courier = my_courier(session, actor, lock=True)
    courier.on_duty, courier.location_consent = on_duty, location_consent and on_duty
    if not courier.location_consent:
        courier.latitude = courier.longitude = courier.located_at = None
        for task in session.scalars(select(DeliveryTask).where(DeliveryTask.courier_id == courier.id,
                                                               DeliveryTask.status == TaskStatus.OFFERED)):
            _reopen(task, declined_by=None)
    elif latitude is not None and longitude is not None:
        courier.latitude, courier.longitude, courier.located_at = latitude, longitude, utcnow()
    session.commit()
    return courier


def set_up_payout_account(session: Session, actor: Actor, *, return_url: str | None = None) -> dict:
    """The courier sets up where its earnings are paid out (Stripe Connect Express, as stores do);
    settlement then pays `payable:courier:<user>` like a store's balance. Commits. Calls Stripe."""
    from payments import service as payments

    courier = my_courier(session, actor)
    status = payments.set_up_payout_account(session, payee=courier_payee(courier), return_url=return_url)
    session.commit()
    return status


def report_location(session: Session, actor: Actor, *, latitude: float, longitude: float) -> bool:
    """The courier's current point; kept only on duty with consent, at most one every LOCATION_EVERY
    (returns whether it was kept). Commits."""
    courier = my_courier(session, actor, lock=True)
    if not (courier.on_duty and courier.location_consent):
        raise Conflict(_l("Go on duty and consent to sharing your location first."))
    now = utcnow()
    if courier.located_at is not None and now - courier.located_at < LOCATION_EVERY:
        session.rollback()
        return False
    courier.latitude, courier.longitude, courier.located_at = latitude, longitude, now
    session.commit()
    return True


def forget_stale_locations(session: Session) -> int:
    """Drops every location older than LOCATION_KEPT (the periodic job). Commits."""
    stale = list(session.scalars(select(Courier).where(Courier.located_at < utcnow() - LOCATION_KEPT)))
    for courier in stale:
        courier.latitude = courier.longitude = courier.located_at = None
    session.commit()
    return len(stale)


# -- tasks from order events -------------------------------------------------------------------------


def _point(session: Session, community_id: int) -> tuple[float, float]:
    community = session.get(Community, community_id)
    return (community.latitude or 0.0, community.longitude or 0.0)


def _weight(session: Session, order: Order) -> int:
    from commerce.catalog.models import Variant

    attributes = dict(session.execute(select(Variant.id, Variant.attributes).where(
        Variant.id.in_([line.variant_id for line in order.lines]))).all())
    return sum(grams((attributes.get(line.variant_id) or {}).get("weight")) * line.quantity for line in order.lines)


def on_order_ready(session: Session, order: Order, *, from_status: str | None, actor_user_id: int | None) -> None:
    """commerce's `order.ready` (in the order's transaction): a delivery order becomes a task to the
    resident's door; a group deal's order joins its deal's haul to the pickup point."""
    if order.group_deal_id is not None and order.pickup_point_id is not None:
        _join_haul(session, order)
        return
    if order.fulfilment != "delivery" or session.scalar(select(DeliveryTask.id).where(
            DeliveryTask.order_id == order.id)):
        return
    centre = _point(session, order.community_id)
    home = community_queries.home_point(session, order.user_id, order.community_id)
    drop = (home[0] or centre[0], home[1] or centre[1]) if home else centre
    label = home[2] if home else (order.delivery_address or "")
    session.add(_task(session, order, "order", _store_point(session, order.store_id, centre), drop, label,
                      fee=order.delivery_fee, weight=_weight(session, order), order_id=order.id))


def _store_point(session: Session, store_id: int, fallback: tuple[float, float]) -> tuple[float, float]:
    from commerce.stores.models import Store

    store = session.get(Store, store_id)
    return (store.latitude, store.longitude) if store.latitude is not None else fallback


def _task(session: Session, order: Order, kind: str, pickup, drop, label: str, *, fee: int, weight: int,
          **fields) -> DeliveryTask:
    """The promise: the store's preparation time, the ride at e-bike speed, and SLACK."""
    from commerce.stores.models import Store

    now = utcnow()
    travel = timedelta(seconds=dispatch.detour_distance(pickup, drop) / dispatch.SPEEDS["ebike"])
    preparation = timedelta(minutes=session.get(Store, order.store_id).preparation_minutes)
    return DeliveryTask(
        kind=kind, community_id=order.community_id, store_id=order.store_id, resident_id=order.user_id,
        status=TaskStatus.OPEN, pickup_latitude=pickup[0], pickup_longitude=pickup[1], drop_latitude=drop[0],
        drop_longitude=drop[1], drop_label=label[:120], fee=fee, currency=order.currency, weight_grams=weight,
        promised_by=now + preparation + travel + SLACK, declined_by=[], created_at=now, **fields)


def _join_haul(session: Session, order: Order) -> None:
    """The deal's haul not yet collected takes the order (a new haul when none is waiting)."""
    from commerce.groupbuy.models import PickupPoint

    haul = session.scalar(select(DeliveryTask).where(
        DeliveryTask.group_deal_id == order.group_deal_id,
        DeliveryTask.status.in_((TaskStatus.OPEN, TaskStatus.OFFERED, TaskStatus.ACCEPTED))).with_for_update())
    weight = _weight(session, order)
    if haul is not None:
        if order.id not in haul.order_ids:
            haul.order_ids, haul.weight_grams = [*haul.order_ids, order.id], haul.weight_grams + weight
        return
    point = session.get(PickupPoint, order.pickup_point_id)
    centre = _point(session, order.community_id)
    host = community_queries.home_point(session, point.host_user_id, order.community_id)
    drop = (host[0] or centre[0], host[1] or centre[1]) if host else centre
    session.add(_task(session, order, "haul", _store_point(session, order.store_id, centre), drop,
                      f"{point.name} ({point.location})",
                      fee=current_app.config["LOGISTICS_HAUL_FEE"], weight=weight, group_deal_id=order.group_deal_id,
                      order_ids=[order.id], handover_code=f"{secrets.randbelow(10**6):06d}"))


def on_order_gone(session: Session, order: Order, *, from_status: str | None, actor_user_id: int | None) -> None:
    """`order.cancelled`, or `order.out_for_delivery` by the store itself: its task is cancelled; a
    cancelled group-deal order leaves its haul (which is cancelled when nothing is left in it)."""
    task = session.scalar(select(DeliveryTask).where(DeliveryTask.order_id == order.id).with_for_update())
    if task is None and order.group_deal_id is not None and order.status == OrderStatus.CANCELLED:
        task = session.scalar(select(DeliveryTask).where(
            DeliveryTask.group_deal_id == order.group_deal_id,
            DeliveryTask.status.in_((TaskStatus.OPEN, *ACTIVE_TASKS))).with_for_update())
        if task is not None and order.id in task.order_ids:
            task.order_ids = [i for i in task.order_ids if i != order.id]
            task.weight_grams = max(0, task.weight_grams - _weight(session, order))
            if not task.order_ids and task.status != TaskStatus.PICKED_UP:
                task.status = TaskStatus.CANCELLED
        return
    if task is None or task.status in (TaskStatus.DELIVERED, TaskStatus.CANCELLED):
        return
    if order.status == OrderStatus.OUT_FOR_DELIVERY and task.status == TaskStatus.PICKED_UP:
        return  # the courier's own collection
    task.status = TaskStatus.CANCELLED


def _reopen(task: DeliveryTask, *, declined_by: int | None) -> None:
    if declined_by is not None:
        task.declined_by = [*task.declined_by, declined_by]
    task.status, task.courier_id, task.offered_at, task.eta, task.route_position = (
        TaskStatus.OPEN, None, None, None, None)


# -- dispatch ----------------------------------------------------------------------------------------


def _open_task(task: DeliveryTask, now: datetime) -> dispatch.OpenTask:
    return dispatch.OpenTask(task.id, (task.pickup_latitude, task.pickup_longitude),
                             (task.drop_latitude, task.drop_longitude), (task.promised_by - now).total_seconds(),
                             weight=task.weight_grams)


def dispatch_community(session: Session, community_id: int, *, now: datetime | None = None) -> dict[str, int]:
    """One round: expired offers go back (the courier counts as declining), open tasks are offered to
    couriers on duty, and every courier with new tasks gets its stops ordered and ETAs. Commits."""
    now = now or utcnow()
    # Couriers first, in id order, then tasks: the order going off duty locks them in (a courier, then its
    # offers), and a courier of several communities is planned by one round at a time.
    couriers = list(session.scalars(select(Courier).join(CourierCommunity, CourierCommunity.courier_id == Courier.id)
                                    .where(CourierCommunity.community_id == community_id, Courier.active.is_(True),
                                           Courier.on_duty.is_(True), Courier.location_consent.is_(True),
                                           Courier.latitude.is_not(None))
                                    .order_by(Courier.id).with_for_update(of=Courier)))
    tasks = list(session.scalars(select(DeliveryTask).where(
        DeliveryTask.community_id == community_id,
        DeliveryTask.status.in_((TaskStatus.OPEN, *ACTIVE_TASKS))).with_for_update()))
    expired = 0
    for task in tasks:
        if task.status == TaskStatus.OFFERED and task.offered_at <= now - timedelta(seconds=OFFER_SECONDS):
            _reopen(task, declined_by=task.courier_id)
            expired += 1
    states = {c.id: dispatch.CourierState(c.id, (c.latitude, c.longitude), c.capacity, c.vehicle,
                                          max_weight=c.max_weight_grams) for c in couriers}
    by_id = {task.id: task for task in tasks}
    held = session.scalars(select(DeliveryTask).where(DeliveryTask.courier_id.in_(list(states)),
                                                      DeliveryTask.status.in_(ACTIVE_TASKS))).all()
    for task in held:  # in every community the courier works in
        by_id.setdefault(task.id, task)
        state = states[task.courier_id]
        state.tasks.append(_open_task(task, now))
        if task.status == TaskStatus.PICKED_UP:
            state.picked_up.add(task.id)
    for task in tasks:
        for courier_id in task.declined_by:
            if courier_id in states:
                states[courier_id].declined.add(task.id)
    waiting = [_open_task(t, now) for t in tasks if t.status == TaskStatus.OPEN]
    distances = _distances(states.values(), by_id.values())
    placed = dispatch.assign(waiting, list(states.values()), distances)
    for task_id, courier_id in placed.items():
        task = by_id[task_id]
        task.status, task.courier_id, task.offered_at = TaskStatus.OFFERED, courier_id, now
    for courier_id in {by_id[t].courier_id for t in placed}:
        _plan(states[courier_id], by_id, now, distances)
    session.commit()
    return {"offered": len(placed), "expired": expired, "waiting": len(waiting) - len(placed)}


def _distances(states, tasks) -> dispatch.Distances:
    """OSRM's road distances when OSRM_URL is set, else great-circle times the detour factor."""
    base = current_app.config.get("OSRM_URL")
    if not base:
        return dispatch.detour_distance
    points = [state.at for state in states]
    for task in tasks:
        points += [(task.pickup_latitude, task.pickup_longitude), (task.drop_latitude, task.drop_longitude)]
    return dispatch.OsrmTable(base, points)


def _plan(state: dispatch.CourierState, by_id: dict[int, DeliveryTask], now: datetime,
          distances: dispatch.Distances) -> None:
    for position, stop in enumerate(dispatch.order_stops(state, distances)):
        if stop.kind == "drop":
            task = by_id[stop.task_id]
            task.eta, task.route_position = now + timedelta(seconds=stop.arrives_in), position


def active_communities(session: Session) -> list[int]:
    return list(session.scalars(select(DeliveryTask.community_id).where(
        DeliveryTask.status.in_((TaskStatus.OPEN, TaskStatus.OFFERED))).distinct()))


# -- the courier's steps -----------------------------------------------------------------------------


def _my_task(session: Session, actor: Actor, task_id: int) -> tuple[Courier, DeliveryTask]:
    courier = my_courier(session, actor)
    task = session.scalar(select(DeliveryTask).where(DeliveryTask.id == task_id).with_for_update()
                          .execution_options(populate_existing=True))
    if task is None or task.courier_id != courier.id:
        raise NotFound()
    return courier, task


def _expect(task: DeliveryTask, *statuses: str) -> None:
    if task.status not in statuses:
        raise Conflict(_l("This delivery is %(status)s.", status=task.status))


def accept(session: Session, actor: Actor, task_id: int) -> DeliveryTask:
    _courier, task = _my_task(session, actor, task_id)
    _expect(task, TaskStatus.OFFERED)
    task.status = TaskStatus.ACCEPTED
    if task.kind == "order":
        name = session.scalar(select(User.display_name).where(User.id == actor.user_id)) or ""
        notify(session, user_ids=[task.resident_id], kind="delivery.assigned", community_id=task.community_id,
               params={"order": task.order_id, "courier": name[:1] + "师傅",
                       "eta": (task.eta or task.promised_by).strftime("%H:%M UTC")},
               subject=("order", task.order_id), dedupe_key=f"delivery.assigned:{task.id}:{task.courier_id}")
    session.commit()
    return task


def decline(session: Session, actor: Actor, task_id: int) -> DeliveryTask:
    """The courier passes on an offer; dispatch offers it to someone else. Commits."""
    courier, task = _my_task(session, actor, task_id)
    _expect(task, TaskStatus.OFFERED, TaskStatus.ACCEPTED)
    _reopen(task, declined_by=courier.id)
    session.commit()
    return task


def pick_up(session: Session, actor: Actor, task_id: int) -> DeliveryTask:
    """Collected at the store: the order is out for delivery (its history and the resident say so)."""
    _courier, task = _my_task(session, actor, task_id)
    _expect(task, TaskStatus.ACCEPTED)
    if task.kind == "order" and session.get(Order, task.order_id).status != OrderStatus.OUT_FOR_DELIVERY:
        order_service.mark_out_for_delivery(session, task.order_id, courier_id=actor.user_id)  # not on a retry
    task.status, task.picked_up_at = TaskStatus.PICKED_UP, utcnow()
    session.commit()
    return task


def deliver(session: Session, actor: Actor, task_id: int, *, code: str) -> DeliveryTask:
    """Handed over on the resident's code, or for a haul the pickup point host's (422
    `wrong_delivery_code` otherwise): the order is delivered (a haul's orders wait at the point for
    their residents) and the courier's fee moves from the store's balance to the courier's, in one
    transaction. Commits."""
    courier, task = _my_task(session, actor, task_id)
    _expect(task, TaskStatus.PICKED_UP)
    expected = task.handover_code if task.kind == "haul" else session.get(Order, task.order_id).pickup_code
    if not expected or not secrets.compare_digest(code, expected):
        raise WrongCode(errors={"code": [str(_l("That is not the resident's delivery code"))]})
    if task.kind == "order":
        order_service.mark_delivered(session, task.order_id, courier_id=actor.user_id)
    now = utcnow()
    task.status, task.delivered_at = TaskStatus.DELIVERED, now
    if task.fee > 0:
        what = f"Delivery of order {task.order_id}" if task.kind == "order" else f"Haul of deal {task.group_deal_id}"
        ledger.transfer(session, key=f"delivery:{task.id}:fee", debit=ledger.payee_account(f"store:{task.store_id}"),
                        credit=ledger.payee_account(courier_payee(courier)), amount=task.fee,
                        currency=task.currency, description=what, occurred_at=now)
    session.commit()
    return task


def fail(session: Session, actor: Actor, task_id: int, *, reason: str) -> DeliveryTask:
    """Nobody took it at the door: the courier brings the goods back to the store, which sends it
    again (`redispatch`) or cancels the order with a refund. Commits."""
    _courier, task = _my_task(session, actor, task_id)
    _expect(task, TaskStatus.PICKED_UP)
    task.status, task.failure_reason = TaskStatus.FAILED, reason
    if task.kind == "order":
        notify(session, user_ids=[task.resident_id], kind="delivery.failed", community_id=task.community_id,
               params={"order": task.order_id, "reason": reason}, subject=("order", task.order_id),
               dedupe_key=f"delivery.failed:{task.id}:{utcnow().timestamp():.0f}")
    session.commit()
    return task


def redispatch(session: Session, actor: Actor, store_id: int, task_id: int) -> DeliveryTask:
    """The store sends a failed delivery out again (staff and owners). Commits."""
    from commerce.policy import Permission as CommercePermission

    store_queries.require_store(session, actor, store_id, CommercePermission.STORE_OPERATE)
    task = session.scalar(select(DeliveryTask).where(DeliveryTask.id == task_id, DeliveryTask.store_id == store_id)
                          .with_for_update())
    if task is None:
        raise NotFound()
    _expect(task, TaskStatus.FAILED)
    _reopen(task, declined_by=None)
    task.failure_reason = None
    session.commit()
    return task
