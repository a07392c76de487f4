"""Who may log, hand over and oversee parcels."""
from enum import StrEnum

from community.models import StaffRole
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    PARCEL_LOG = "community:parcel:log"
    PARCEL_HAND_OVER = "community:parcel:hand_over"
    PARCEL_VIEW_ALL = "community:parcel:view_all"
    PARCEL_REPORT = "community:parcel:report"


@rule(Permission.PARCEL_LOG, Permission.PARCEL_HAND_OVER, Permission.PARCEL_VIEW_ALL)
def _staff_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, *StaffRole)


@rule(Permission.PARCEL_REPORT)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)
