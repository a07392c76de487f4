"""Who may do what with service requests, their categories, statistics and settings."""
from enum import StrEnum

from community.models import StaffRole
from core.auth import Actor
from core.policy import rule

# Staff who work the request queue; guards are members but not part of it.
QUEUE_ROLES = (StaffRole.MANAGER, StaffRole.MAINTENANCE)


class Permission(StrEnum):
    CATEGORY_MANAGE = "community:request_category:manage"
    REQUEST_FILE = "community:service_request:file"
    REQUEST_VIEW_ALL = "community:service_request:view_all"
    REQUEST_HANDLE = "community:service_request:handle"
    REQUEST_TRIAGE = "community:service_request:triage"
    REQUEST_FOLLOW_UP = "community:service_request:follow_up"
    REQUEST_COMMENT = "community:service_request:comment"
    REQUEST_COMMENT_INTERNAL = "community:service_request:comment_internal"
    REQUEST_CONTACT_VIEW = "community:service_request:contact_view"
    STATS_VIEW = "community:service_request_stats:view"
    SETTINGS_MANAGE = "community:service_request_settings:manage"


@rule(Permission.CATEGORY_MANAGE, Permission.REQUEST_TRIAGE, Permission.STATS_VIEW, Permission.SETTINGS_MANAGE)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)


@rule(Permission.REQUEST_FILE)
def _member_of(actor: Actor, community_id: int) -> bool:
    return bool(actor.roles_in(community_id))


@rule(Permission.REQUEST_VIEW_ALL)
def _queue_staff(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, *QUEUE_ROLES)


@rule(Permission.REQUEST_HANDLE)
def _handle(actor: Actor, request) -> bool:
    # Maintenance staff work what is assigned to them; managers work anything.
    return actor.has_role(request.community_id, StaffRole.MANAGER) or (
        request.assignee_id == actor.user_id and actor.has_role(request.community_id, StaffRole.MAINTENANCE)
    )


@rule(Permission.REQUEST_FOLLOW_UP)
def _requester(actor: Actor, request) -> bool:
    return request.requester_id is not None and request.requester_id == actor.user_id


@rule(Permission.REQUEST_COMMENT)
def _comment(actor: Actor, request) -> bool:
    return request.requester_id == actor.user_id or actor.has_role(request.community_id, *QUEUE_ROLES)


@rule(Permission.REQUEST_COMMENT_INTERNAL)
def _comment_internal(actor: Actor, request) -> bool:
    return actor.has_role(request.community_id, *QUEUE_ROLES)


@rule(Permission.REQUEST_CONTACT_VIEW)
def _contact(actor: Actor, request) -> bool:
    # The requester's phone goes to whoever must reach them: managers and the assigned staff member.
    return (
        request.requester_id == actor.user_id
        or request.assignee_id == actor.user_id
        or actor.has_role(request.community_id, StaffRole.MANAGER)
    )
