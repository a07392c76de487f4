"""Read-side selects of stores, scoped to what the actor may see."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from commerce.policy import Permission, StoreAccess
from commerce.stores.models import ServiceStatus, Store, StoreCommunity, StoreStaff, StoreStatus
from community import queries as community_queries
from community.models import StaffMember, StaffRole
from core.auth import Actor
from core.errors import NotFound
from core.policy import require
from payments import queries as payment_queries


def store_access(session: Session, actor: Actor, store_id: int) -> StoreAccess:
    role = session.scalar(
        select(StoreStaff.role).where(StoreStaff.store_id == store_id, StoreStaff.user_id == actor.user_id)
    )
    return StoreAccess(store_id, role)


def get_own_store(session: Session, actor: Actor, store_id: int) -> tuple[Store, StoreAccess]:
    """A store as its own accounts see it; to anyone else (but the platform) it does not exist."""
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound()
    access = store_access(session, actor, store_id)
    if access.role is None and not actor.is_platform_admin:
        raise NotFound()
    return store, access


def require_store(session: Session, actor: Actor, store_id: int, permission: Permission) -> Store:
    """404 unless the actor is one of the store's accounts, then 403 unless its role allows."""
    store, access = get_own_store(session, actor, store_id)
    require(actor, permission, access)
    return store


def my_stores(actor: Actor) -> Select:
    return (
        select(Store)
        .join(StoreStaff, StoreStaff.store_id == Store.id)
        .where(StoreStaff.user_id == actor.user_id)
        .order_by(Store.id)
    )


def store_staff(store_id: int) -> Select:
    return select(StoreStaff).where(StoreStaff.store_id == store_id).order_by(StoreStaff.id)


def staff_user_ids(session: Session, store_id: int) -> list[int]:
    """Everyone who works the store's orders (notified of new ones)."""
    return list(session.scalars(select(StoreStaff.user_id).where(StoreStaff.store_id == store_id)))


def owner_ids(session: Session, store_id: int) -> list[int]:
    return list(session.scalars(
        select(StoreStaff.user_id).where(StoreStaff.store_id == store_id, StoreStaff.role == "owner")
    ))


def store_applications(store_id: int) -> Select:
    return select(StoreCommunity).where(StoreCommunity.store_id == store_id).order_by(StoreCommunity.id.desc())


def get_store_application(session: Session, store_id: int, application_id: int) -> StoreCommunity:
    application = session.get(StoreCommunity, application_id)
    if application is None or application.store_id != store_id:
        raise NotFound()
    return application


def community_applications(actor: Actor, community_id: int, *, status: str | None = None) -> Select:
    """The stores that applied to serve a community, for its managers."""
    community_queries.require_member(actor, community_id)
    require(actor, Permission.STORE_DECIDE, community_id)
    query = (
        select(StoreCommunity).where(StoreCommunity.community_id == community_id).order_by(StoreCommunity.id.desc())
    )
    if status:
        query = query.where(StoreCommunity.status == status)
    return query


def get_community_application(session: Session, actor: Actor, community_id: int, application_id: int) -> StoreCommunity:
    community_queries.require_member(actor, community_id)
    application = session.get(StoreCommunity, application_id)
    if application is None or application.community_id != community_id:
        raise NotFound()
    require(actor, Permission.STORE_DECIDE, community_id)
    return application


def manager_ids(session: Session, community_id: int) -> list[int]:
    return list(session.scalars(
        select(StaffMember.user_id).where(StaffMember.community_id == community_id,
                                          StaffMember.role == StaffRole.MANAGER)
    ))


def serving_store_ids(community_id: int) -> Select:
    """The stores residents of a community see: approved there and not suspended by the platform."""
    return (
        select(StoreCommunity.store_id)
        .join(Store, Store.id == StoreCommunity.store_id)
        .where(StoreCommunity.community_id == community_id, StoreCommunity.status == ServiceStatus.APPROVED,
               Store.status == StoreStatus.ACTIVE)
    )


def community_stores(actor: Actor, community_id: int) -> Select:
    community_queries.require_member(actor, community_id)
    return select(Store).where(Store.id.in_(serving_store_ids(community_id))).order_by(Store.name, Store.id)


def get_serving_store(session: Session, actor: Actor, community_id: int, store_id: int) -> Store:
    """A store as the community's people see it: 404 unless it serves them now (not suspended)."""
    community_queries.require_member(actor, community_id)
    store = session.scalar(
        select(Store).where(Store.id == store_id, Store.id.in_(serving_store_ids(community_id)))
    )
    if store is None:
        raise NotFound()
    return store


def settlement(session: Session, actor: Actor, store_id: int) -> dict:
    """The owner's statement: what the platform owes the store now, and its payouts with their lines."""
    store = require_store(session, actor, store_id, Permission.STORE_SETTLEMENT_VIEW)
    payee = f"store:{store.id}"
    return {
        "store_id": store.id,
        "currency": store.currency,
        "balance": payment_queries.payee_balance(session, payee=payee, currency=store.currency),
        "payouts": payment_queries.payouts_for(session, payee=payee),
    }


def home_community_id(session: Session, store_id: int) -> int | None:
    """The first community that approved the store and still has it (for limits that are per community)."""
    return session.scalar(
        select(StoreCommunity.community_id)
        .where(StoreCommunity.store_id == store_id, StoreCommunity.status == ServiceStatus.APPROVED)
        .order_by(StoreCommunity.decided_at, StoreCommunity.id).limit(1)
    )


def active_store_ids(session: Session) -> list[int]:
    """Every store trading on the platform (not suspended), by id: for jobs that visit them all (no actor)."""
    return list(session.scalars(select(Store.id).where(Store.status == StoreStatus.ACTIVE).order_by(Store.id)))


def communities_served_by(store_id: int, community_ids: list[int]) -> Select:
    """Of `community_ids`, those where `store_id` serves now (for ads' targeting)."""
    return (
        select(StoreCommunity.community_id)
        .join(Store, Store.id == StoreCommunity.store_id)
        .where(StoreCommunity.store_id == store_id, StoreCommunity.community_id.in_(community_ids),
               StoreCommunity.status == ServiceStatus.APPROVED, Store.status == StoreStatus.ACTIVE)
    )
