"""Request and response shapes of visitor passes: the host's full view and the guard's narrow one."""

import marshmallow as ma

from community.visitors.models import PassStatus
from community.visitors.service import sign_pass
from core.models import utcnow
from core.web import Id, Moment

_phone = ma.validate.Regexp(r"^\+?[0-9][0-9 -]{4,18}[0-9]$", error="Not a valid phone number.")
_code = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 -]{2,14}[A-Za-z0-9]$", error="Not a pass code.")



def mask_phone(phone: str | None) -> str | None:
    """138****8000: enough for a guard to match the visitor, not enough to call them."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.startswith("+86"):
        digits = digits[2:]
    if len(digits) < 8:
        return "*" * (len(digits) - 2) + digits[-2:]
    return digits[:3] + "****" + digits[-4:]


class VisitorPassCreateSchema(ma.Schema):
    unit_id = Id(required=True, metadata={"description": "The host's home the visitor comes to."})
    visitor_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    visitor_phone = ma.fields.String(allow_none=True, validate=_phone)
    valid_from = Moment(allow_none=True, metadata={"description": "Now if omitted."})
    valid_until = Moment(required=True)
    entries_allowed = ma.fields.Integer(load_default=1, strict=True, validate=ma.validate.Range(min=1, max=20))


class VisitorPassUnitSchema(ma.Schema):
    id = ma.fields.Integer()
    building_name = ma.fields.String(attribute="building.name")
    number = ma.fields.String()


class _PassStateFields(ma.Schema):
    entries_allowed = ma.fields.Integer()
    entries_used = ma.fields.Integer()
    entries_remaining = ma.fields.Integer()
    status = ma.fields.Function(
        lambda p: str(p.status_at(utcnow())), metadata={"type": "string", "enum": [s.value for s in PassStatus]}
    )
    valid_from = ma.fields.AwareDateTime()
    valid_until = ma.fields.AwareDateTime()


class VisitorPassSchema(_PassStateFields):
    """What the host (and the community's managers) see: the code and QR payload to share."""

    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    unit = ma.fields.Nested(VisitorPassUnitSchema)
    host_id = ma.fields.Integer()
    visitor_name = ma.fields.String()
    visitor_phone = ma.fields.String(allow_none=True)
    code = ma.fields.String()
    qr_payload = ma.fields.Function(sign_pass, metadata={"type": "string"})
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class GatePassSchema(_PassStateFields):
    """What the gate needs to let a visitor in: no host, and the phone masked."""

    id = ma.fields.Integer()
    unit = ma.fields.Nested(VisitorPassUnitSchema)
    visitor_name = ma.fields.String()
    visitor_phone = ma.fields.Function(
        lambda p: mask_phone(p.visitor_phone), allow_none=True, metadata={"type": "string"}
    )


class AdmitVisitorSchema(ma.Schema):
    code = ma.fields.String(validate=_code, metadata={"description": "The pass code the visitor shows."})
    payload = ma.fields.String(
        validate=ma.validate.Length(min=1, max=512), metadata={"description": "The scanned QR payload."}
    )

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if ("code" in data) == ("payload" in data):
            raise ma.ValidationError("Give either the code or the QR payload.", "_schema")


class GateGuardSchema(ma.Schema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class VisitorEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    pass_id = ma.fields.Integer()
    entered_at = ma.fields.AwareDateTime()
    guard = ma.fields.Nested(GateGuardSchema, allow_none=True)


class AdmissionSchema(VisitorEntrySchema):
    visitor_pass = ma.fields.Nested(GatePassSchema, data_key="pass")
