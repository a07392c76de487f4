"""Who may manage amenities, book them, see bookings, cancel and check in."""
from enum import StrEnum

from community.models import RESIDENT, StaffRole
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    AMENITY_MANAGE = "community:amenity:manage"
    BOOKING_CREATE = "community:booking:create"
    BOOKING_VIEW_ALL = "community:booking:view_all"
    BOOKING_CHECK_IN = "community:booking:check_in"
    BOOKING_CANCEL = "community:booking:cancel"
    BOOKING_MANAGE = "community:booking:manage"


@rule(Permission.AMENITY_MANAGE, Permission.BOOKING_MANAGE)
def _manager_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, StaffRole.MANAGER)


@rule(Permission.BOOKING_CREATE)
def _resident_of(actor: Actor, community_id: int) -> bool:
    return actor.has_role(community_id, RESIDENT)


@rule(Permission.BOOKING_VIEW_ALL, Permission.BOOKING_CHECK_IN)
def _staff_of(actor: Actor, community_id: int) -> bool:
    # Staff at the door see who booked (name and unit, never phone) to check people in.
    return actor.has_role(community_id, StaffRole.MANAGER, StaffRole.GUARD, StaffRole.MAINTENANCE)


@rule(Permission.BOOKING_CANCEL)
def _cancel(actor: Actor, booking) -> bool:
    return booking.user_id == actor.user_id or actor.has_role(booking.community_id, StaffRole.MANAGER)
