"""Domain errors of amenity bookings."""
from core.errors import Conflict, InvalidInput
from core.i18n import lazy_gettext as _l


class NotASlot(InvalidInput):
    code, title = "not_a_slot", _l("This time is not the start of a slot of the amenity")


class UnitRequired(InvalidInput):
    code, title = "unit_required", _l("You live in several units: say which household books")


class NotYourUnit(InvalidInput):
    code, title = "unit_not_yours", _l("You are not a resident of this unit")


class AmenityInactive(Conflict):
    code, title = "amenity_inactive", _l("This amenity is not taking bookings")


class SlotStarted(Conflict):
    code, title = "slot_started", _l("This slot has already begun")


class SlotNotOpenYet(Conflict):
    code, title = "slot_not_open_yet", _l("This slot cannot be booked this far ahead yet")


class SlotClosed(Conflict):
    code, title = "slot_closed", _l("The amenity is closed at this time")


class SlotFull(Conflict):
    code, title = "slot_full", _l("This slot is full; you may join its wait list")


class SlotHasPlaces(Conflict):
    code, title = "slot_has_places", _l("This slot still has places; book it instead of waiting")


class AlreadyBooked(Conflict):
    code, title = "already_booked", _l("Your household already has a booking for this slot")


class WeeklyLimitReached(Conflict):
    code, title = "weekly_limit_reached", _l("Your household has used its bookings of this amenity for that week")


class HouseholdBlocked(Conflict):
    code, title = "household_blocked", _l("Your household may not book this amenity for now after missed bookings")


class CancellationCutoffPassed(Conflict):
    code, title = "cancellation_cutoff_passed", _l("It is too late to cancel this booking")


class BookingNotCancellable(Conflict):
    code, title = "booking_not_cancellable", _l("Only a waiting or confirmed booking of a future slot can be cancelled")


class BookingNotConfirmed(Conflict):
    code, title = "booking_not_confirmed", _l("Only a confirmed booking can be checked in")


class CheckInNotOpen(Conflict):
    code, title = "check_in_not_open", _l("Check-in opens shortly before the slot and closes when it ends")


class SlotLengthLocked(Conflict):
    code, title = "slot_length_locked", _l("The slot length cannot change while future bookings exist")


class BlockNotActive(Conflict):
    code, title = "block_not_active", _l("This block has already ended or been lifted")
