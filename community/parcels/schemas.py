"""Request and response shapes of parcels: the desk's view (no codes) and the household's."""
import marshmallow as ma

from community.parcels.models import ParcelStatus
from community.parcels.queries import UNCOLLECTED_AFTER_DAYS
from core.web import MAX_ID, Id

_tracking = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$", error="Letters, digits and dashes, 4 to 40.")
_pickup_code = ma.validate.Regexp(r"^[0-9]{6}$", error="Six digits.")
_statuses = ma.validate.OneOf([s.value for s in ParcelStatus])


class ParcelLogSchema(ma.Schema):
    unit_id = Id(required=True)
    carrier = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    tracking_number = ma.fields.String(required=True, validate=_tracking)
    shelf = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(max=40), metadata={"description": "Where it is kept."}
    )


class ParcelUnitSchema(ma.Schema):
    id = ma.fields.Integer()
    building_name = ma.fields.String(attribute="building.name")
    number = ma.fields.String()


class DeskParcelSchema(ma.Schema):
    """What staff see: no pickup code, which only the household holds."""

    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    unit = ma.fields.Nested(ParcelUnitSchema)
    carrier = ma.fields.String()
    tracking_number = ma.fields.String()
    shelf = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": [s.value for s in ParcelStatus]})
    arrived_at = ma.fields.AwareDateTime()
    collected_at = ma.fields.AwareDateTime(allow_none=True)
    collector_name = ma.fields.String(allow_none=True)


class HouseholdParcelSchema(DeskParcelSchema):
    pickup_code = ma.fields.String()


class ParcelDeskFilterSchema(ma.Schema):
    status = ma.fields.String(validate=_statuses)
    unit_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))  # a query string: not strict


class ParcelHouseholdFilterSchema(ma.Schema):
    status = ma.fields.String(validate=_statuses)


class UncollectedParcelFilterSchema(ma.Schema):
    older_than_days = ma.fields.Integer(load_default=UNCOLLECTED_AFTER_DAYS, validate=ma.validate.Range(min=0, max=365))


class ParcelHandOverSchema(ma.Schema):
    pickup_code = ma.fields.String(required=True, validate=_pickup_code)
    collector_name = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=60), metadata={"description": "Who took it."}
    )
