"""Who may do what in commerce: store owners and staff, community managers, residents, the platform."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from community.models import RESIDENT, StaffRole
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    CATEGORY_MANAGE = "commerce:category:manage"
    STORE_UPDATE = "commerce:store:update"
    STORE_STAFF_MANAGE = "commerce:store_staff:manage"
    STORE_APPLY = "commerce:store:apply"
    STORE_SETTLEMENT_VIEW = "commerce:settlement:view"
    STORE_OPERATE = "commerce:store:operate"  # products, stock, slots, orders, group deals
    COUPON_MANAGE = "commerce:coupon:manage"
    ORDER_REFUND = "commerce:order:refund"
    STORE_DECIDE = "commerce:store:decide"  # approve, reject, suspend and reinstate in a community
    STORE_SUSPEND_EVERYWHERE = "commerce:store:suspend_everywhere"
    PICKUP_POINT_MANAGE = "commerce:pickup_point:manage"
    SHOP = "commerce:order:create"  # carts, checkout, joining group deals
    COMMUNITY_REVENUE_VIEW = "commerce:community_revenue:view"


@dataclass(frozen=True)
class StoreAccess:
    """The actor's role at one store (None: not one of its accounts)."""

    store_id: int
    role: str | None


@rule(Permission.CATEGORY_MANAGE, Permission.STORE_SUSPEND_EVERYWHERE)
def _platform_only(actor: Actor, _obj) -> bool:
    return False  # platform admins pass before any rule


@rule(Permission.STORE_UPDATE, Permission.STORE_STAFF_MANAGE, Permission.STORE_APPLY,
      Permission.STORE_SETTLEMENT_VIEW, Permission.COUPON_MANAGE, Permission.ORDER_REFUND)
def _owner(actor: Actor, access: StoreAccess) -> bool:
    return access.role == "owner"


@rule(Permission.STORE_OPERATE)
def _staff(actor: Actor, access: StoreAccess) -> bool:
    return access.role in ("owner", "staff")


@rule(Permission.STORE_DECIDE, Permission.PICKUP_POINT_MANAGE, Permission.COMMUNITY_REVENUE_VIEW)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)


@rule(Permission.SHOP)
def _resident_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, RESIDENT)
