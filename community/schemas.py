"""Request and response shapes of the community floor."""
import marshmallow as ma

from community.models import Relation, ResidencyStatus, StaffRole
from core.web import Id
from identity.schemas import UserSchema

_slug = ma.validate.Regexp(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$", error="Use lowercase letters, digits and dashes.")


class CommunitySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    slug = ma.fields.String(required=True, validate=_slug)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    latitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    timezone = ma.fields.String(load_default="Asia/Shanghai", validate=ma.validate.Length(min=1, max=64))
    created_at = ma.fields.AwareDateTime(dump_only=True)


class CommunityUpdateSchema(CommunitySchema):
    class Meta:
        exclude = ("slug",)

    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    address = ma.fields.String(validate=ma.validate.Length(min=1, max=255))
    timezone = ma.fields.String(validate=ma.validate.Length(min=1, max=64))


class CommunityQuerySchema(ma.Schema):
    q = ma.fields.String(validate=ma.validate.Length(max=100))


class BuildingSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    latitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-180, max=180))


class UnitSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = ma.fields.Integer(dump_only=True)
    building_id = ma.fields.Integer(dump_only=True)
    building_name = ma.fields.String(dump_only=True, attribute="building.name")
    number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    floor = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=-10, max=200))


class PersonSchema(ma.Schema):
    """A resident as their manager (or they themselves) see them."""

    id = ma.fields.Integer()
    display_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)


class ResidencyClaimSchema(ma.Schema):
    unit_id = Id(required=True)
    relation = ma.fields.String(required=True, validate=ma.validate.OneOf([r.value for r in Relation]))
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=255))


class ResidencySchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    unit = ma.fields.Nested(UnitSchema)
    resident = ma.fields.Nested(PersonSchema, attribute="user")
    relation = ma.fields.String()
    status = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ResidencyFilterSchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ResidencyStatus]))


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))


class OptionalReasonSchema(ma.Schema):
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=255))


class StaffAppointSchema(ma.Schema):
    login = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=254))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf([r.value for r in StaffRole]))


class StaffMemberSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    role = ma.fields.String()
    person = ma.fields.Nested(PersonSchema, attribute="user")
    created_at = ma.fields.AwareDateTime()


class MembershipSchema(ma.Schema):
    community_id = ma.fields.Integer()
    community_slug = ma.fields.String()
    community_name = ma.fields.String()
    role = ma.fields.String()


class MeSchema(UserSchema):
    memberships = ma.fields.List(ma.fields.Nested(MembershipSchema))
    residencies = ma.fields.List(ma.fields.Nested(ResidencySchema))
