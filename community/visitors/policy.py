"""Who may issue, see, revoke and check visitor passes."""
from enum import StrEnum

from community.models import StaffRole
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    VISITOR_INVITE = "community:visitor_pass:create"
    VISITOR_VIEW_ALL = "community:visitor_pass:view_all"
    VISITOR_REVOKE = "community:visitor_pass:revoke"
    VISITOR_ADMIT = "community:visitor_pass:verify"


@rule(Permission.VISITOR_INVITE)
def _host(actor: Actor, lives_in_unit: bool) -> bool:
    # The service knows the actor's homes; a pass is issued for one of them only.
    return lives_in_unit


@rule(Permission.VISITOR_VIEW_ALL)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)


@rule(Permission.VISITOR_REVOKE)
def _host_or_manager(actor: Actor, visitor_pass) -> bool:
    return visitor_pass.host_id == actor.user_id or actor.has_role(visitor_pass.community_id, StaffRole.MANAGER)


@rule(Permission.VISITOR_ADMIT)
def _gate_staff(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.GUARD, StaffRole.MANAGER)
