"""Who may do what in a community."""
from enum import StrEnum

from community.models import StaffRole
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    COMMUNITY_CREATE = "community:community:create"
    COMMUNITY_UPDATE = "community:community:update"
    PLACE_MANAGE = "community:place:manage"
    STAFF_VIEW = "community:staff:view"
    STAFF_APPOINT = "community:staff:appoint"
    RESIDENCY_VIEW_ALL = "community:residency:view_all"
    RESIDENCY_DECIDE = "community:residency:decide"
    RESIDENCY_END = "community:residency:end"


@rule(Permission.COMMUNITY_CREATE)
def _platform_only(actor: Actor, _obj) -> bool:
    return False  # platform admins pass before any rule


@rule(
    Permission.COMMUNITY_UPDATE,
    Permission.PLACE_MANAGE,
    Permission.STAFF_VIEW,
    Permission.RESIDENCY_VIEW_ALL,
    Permission.RESIDENCY_DECIDE,
)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)


@rule(Permission.STAFF_APPOINT)
def _appoint(actor: Actor, target: tuple[int, str]) -> bool:
    community_id, role = target
    # Managers run their staff; only the platform appoints (or removes) managers.
    return role != StaffRole.MANAGER and actor.has_role(community_id, StaffRole.MANAGER)


@rule(Permission.RESIDENCY_END)
def _end_residency(actor: Actor, residency) -> bool:
    return residency.user_id == actor.user_id or actor.has_role(residency.community_id, StaffRole.MANAGER)
