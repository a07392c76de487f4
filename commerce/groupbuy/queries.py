"""Read-side selects of pickup points, group deals and joins, scoped to what the actor may see."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from commerce.groupbuy.models import DealStatus, GroupDeal, GroupJoin, JoinStatus, PickupPoint
from commerce.orders.models import Order, OrderStatus
from commerce.policy import Permission
from commerce.stores import queries as store_queries
from community import queries as community_queries
from core.auth import Actor
from core.errors import NotFound
from core.policy import require


def pickup_points(actor: Actor, community_id: int) -> Select:
    community_queries.require_member(actor, community_id)
    return select(PickupPoint).where(PickupPoint.community_id == community_id).order_by(PickupPoint.id)


def get_pickup_point(session: Session, actor: Actor, community_id: int, point_id: int) -> PickupPoint:
    community_queries.require_member(actor, community_id)
    point = session.get(PickupPoint, point_id)
    if point is None or point.community_id != community_id:
        raise NotFound()
    return point


def hosted_point(session: Session, actor: Actor, community_id: int, point_id: int) -> PickupPoint:
    """A pickup point as its host (or the community's managers) run it; 403 for anyone else."""
    point = get_pickup_point(session, actor, community_id, point_id)
    if point.host_user_id != actor.user_id:
        require(actor, Permission.PICKUP_POINT_MANAGE, community_id)
    return point


def point_orders(session: Session, actor: Actor, community_id: int, point_id: int, *,
                 status: str | None = None) -> Select:
    """The group orders to be collected at a pickup point, for its host."""
    point = hosted_point(session, actor, community_id, point_id)
    query = select(Order).where(Order.pickup_point_id == point.id).order_by(Order.id.desc())
    if status:
        query = query.where(Order.status == status)
    else:
        query = query.where(Order.status.in_((OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.READY)))
    return query


def participants(session: Session, deal_id: int) -> int:
    return session.scalar(
        select(func.count()).where(GroupJoin.deal_id == deal_id,
                                   GroupJoin.status.in_((JoinStatus.AUTHORIZED, JoinStatus.CAPTURED)))
    ) or 0


def with_participants(session: Session, deals: list[GroupDeal]) -> list[GroupDeal]:
    for deal in deals:
        deal.participants = participants(session, deal.id)
    return deals


def community_deals(actor: Actor, community_id: int, *, status: str | None = None) -> Select:
    """Group deals in a community from stores serving it now, cut-off soonest first."""
    community_queries.require_member(actor, community_id)
    return (
        select(GroupDeal)
        .where(GroupDeal.community_id == community_id, GroupDeal.status == (status or DealStatus.OPEN),
               GroupDeal.store_id.in_(store_queries.serving_store_ids(community_id)))
        .order_by(GroupDeal.cut_off_at, GroupDeal.id)
    )


def get_community_deal(session: Session, actor: Actor, community_id: int, deal_id: int) -> GroupDeal:
    community_queries.require_member(actor, community_id)
    deal = session.scalar(
        select(GroupDeal).where(GroupDeal.id == deal_id, GroupDeal.community_id == community_id,
                                GroupDeal.store_id.in_(store_queries.serving_store_ids(community_id)))
    )
    if deal is None:
        raise NotFound()
    return with_participants(session, [deal])[0]


def store_deals(session: Session, actor: Actor, store_id: int) -> Select:
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    return select(GroupDeal).where(GroupDeal.store_id == store_id).order_by(GroupDeal.id.desc())


def get_store_deal(session: Session, actor: Actor, store_id: int, deal_id: int) -> GroupDeal:
    store_queries.require_store(session, actor, store_id, Permission.STORE_OPERATE)
    deal = session.get(GroupDeal, deal_id)
    if deal is None or deal.store_id != store_id:
        raise NotFound()
    return with_participants(session, [deal])[0]


def my_joins(actor: Actor, community_id: int) -> Select:
    community_queries.require_member(actor, community_id)
    return (
        select(GroupJoin)
        .join(GroupDeal, GroupDeal.id == GroupJoin.deal_id)
        .where(GroupJoin.user_id == actor.user_id, GroupDeal.community_id == community_id)
        .order_by(GroupJoin.id.desc())
    )


def get_my_join(session: Session, actor: Actor, community_id: int, deal_id: int, join_id: int) -> GroupJoin:
    community_queries.require_member(actor, community_id)
    join = session.get(GroupJoin, join_id)
    if join is None or join.user_id != actor.user_id or join.deal_id != deal_id:
        raise NotFound()
    deal = session.get(GroupDeal, deal_id)
    if deal.community_id != community_id:
        raise NotFound()
    return join
