"""Who may manage a community's Open311 API keys: its managers."""
from enum import StrEnum

from community.models import StaffRole
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    KEY_MANAGE = "community:open311_key:manage"


@rule(Permission.KEY_MANAGE)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)
