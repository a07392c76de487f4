"""Community's domain errors."""
from core.errors import Conflict, DomainError
from core.i18n import lazy_gettext as _l


class SlugTaken(Conflict):
    code, title = "community_slug_taken", _l("A community with this slug already exists")


class NameTaken(Conflict):
    code, title = "name_taken", _l("This name is already used here")


class AlreadyClaimed(Conflict):
    code, title = "residency_already_claimed", _l("You already have a live claim on this unit")


class TooManyPendingClaims(DomainError):
    status, code = 429, "too_many_pending_claims"
    title = _l("Wait for your pending claims to be decided before making more")


class ResidencyNotPending(Conflict):
    code, title = "residency_not_pending", _l("Only a pending claim can be approved or rejected")


class ResidencyNotLive(Conflict):
    code, title = "residency_not_live", _l("This residency has already ended or was rejected")


class AlreadyStaff(Conflict):
    code, title = "already_staff", _l("This user already holds this role here")


class UnknownUser(DomainError):
    status, code, title = 422, "unknown_user", _l("No account has this login")
