"""Visitor passes' domain errors: why a pass was refused at the gate, each with its own code."""
from core.errors import Conflict, DomainError
from core.i18n import lazy_gettext as _l


class PassRevoked(Conflict):
    code, title = "visitor_pass_revoked", _l("This visitor pass was revoked")


class PassExpired(Conflict):
    code, title = "visitor_pass_expired", _l("This visitor pass has expired")


class PassNotYetValid(Conflict):
    code, title = "visitor_pass_not_yet_valid", _l("This visitor pass is not valid yet")


class PassUsedUp(Conflict):
    code, title = "visitor_pass_used_up", _l("This visitor pass has no entries left")


class ForgedPayload(DomainError):
    status, code, title = 422, "visitor_pass_payload_invalid", _l("This QR code is not a valid visitor pass")


class CodeUnavailable(Conflict):
    code, title = "visitor_pass_code_unavailable", _l("No free pass code was found; try again")
