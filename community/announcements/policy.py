"""Who may publish announcements and see how far they reached."""
from enum import StrEnum

from community.models import StaffRole
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    ANNOUNCEMENT_PUBLISH = "community:announcement:publish"
    ANNOUNCEMENT_MANAGE = "community:announcement:manage"  # every state, read counts, withdrawal


@rule(Permission.ANNOUNCEMENT_PUBLISH, Permission.ANNOUNCEMENT_MANAGE)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)
