"""Request and response shapes of logistics."""
import marshmallow as ma

from logistics.models import Vehicle

_latitude = ma.validate.Range(min=-90, max=90)
_longitude = ma.validate.Range(min=-180, max=180)


class CourierEnrolSchema(ma.Schema):
    login = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    vehicle = ma.fields.String(load_default=Vehicle.EBIKE, validate=ma.validate.OneOf(list(Vehicle)))
    capacity = ma.fields.Integer(load_default=5, strict=True, validate=ma.validate.Range(min=1, max=50))
    store_id = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1))
    max_weight_grams = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1, max=500_000))


class CourierSchema(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    community_ids = ma.fields.List(ma.fields.Integer())
    store_id = ma.fields.Integer(allow_none=True)
    vehicle = ma.fields.String()
    capacity = ma.fields.Integer()
    max_weight_grams = ma.fields.Integer(allow_none=True)
    on_duty = ma.fields.Boolean()
    location_consent = ma.fields.Boolean()


class CourierRosterSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    vehicle = ma.fields.String()
    capacity = ma.fields.Integer()
    on_duty = ma.fields.Boolean()
    store_id = ma.fields.Integer(allow_none=True)
    active_tasks = ma.fields.Integer()


class DutySchema(ma.Schema):
    on_duty = ma.fields.Boolean(required=True)
    location_consent = ma.fields.Boolean(load_default=False, metadata={
        "description": "share the location while on duty (needed to be dispatched); off duty it is forgotten"})
    latitude = ma.fields.Float(validate=_latitude)
    longitude = ma.fields.Float(validate=_longitude)


class CourierPointSchema(ma.Schema):
    latitude = ma.fields.Float(required=True, validate=_latitude)
    longitude = ma.fields.Float(required=True, validate=_longitude)


class LocationAckSchema(ma.Schema):
    kept = ma.fields.Boolean(metadata={"description": "false: within 10 s of the last point, not stored"})


class PointSchema(ma.Schema):
    latitude = ma.fields.Float()
    longitude = ma.fields.Float()
    label = ma.fields.String()


class TaskSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={
        "description": "order (to a resident's door) or haul (a group deal's orders to its pickup point)"})
    order_id = ma.fields.Integer(allow_none=True)
    group_deal_id = ma.fields.Integer(allow_none=True)
    order_ids = ma.fields.List(ma.fields.Integer())
    weight_grams = ma.fields.Integer()
    store_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": (
        "open, offered, accepted, picked_up, delivered, failed or cancelled")})
    pickup = ma.fields.Nested(PointSchema)
    drop = ma.fields.Nested(PointSchema)
    promised_by = ma.fields.AwareDateTime()
    eta = ma.fields.AwareDateTime(allow_none=True)
    route_position = ma.fields.Integer(allow_none=True)
    offered_at = ma.fields.AwareDateTime(allow_none=True)
    fee = ma.fields.Integer()
    currency = ma.fields.String()
    picked_up_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    failure_reason = ma.fields.String(allow_none=True)


class RouteSchema(ma.Schema):
    on_duty = ma.fields.Boolean()
    location_consent = ma.fields.Boolean()
    tasks = ma.fields.List(ma.fields.Nested(TaskSchema))
    next = ma.fields.Nested(TaskSchema, allow_none=True)


class DeliverSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=8))


class FailSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))


class SharedLocationSchema(ma.Schema):
    latitude = ma.fields.Float()
    longitude = ma.fields.Float()
    at = ma.fields.AwareDateTime()


class ShownCourierSchema(ma.Schema):
    name = ma.fields.String()
    vehicle = ma.fields.String()
    location = ma.fields.Nested(SharedLocationSchema, allow_none=True, metadata={
        "description": "only while this order is on its way"})


class OrderDeliverySchema(ma.Schema):
    order_id = ma.fields.Integer()
    status = ma.fields.String()
    promised_by = ma.fields.AwareDateTime()
    eta = ma.fields.AwareDateTime(allow_none=True)
    picked_up_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    courier = ma.fields.Nested(ShownCourierSchema, allow_none=True)


class EarningLineSchema(ma.Schema):
    kind = ma.fields.String()
    amount = ma.fields.Integer()
    occurred_at = ma.fields.AwareDateTime()
    description = ma.fields.String()


class EarningsSchema(ma.Schema):
    balance = ma.fields.Integer(metadata={"description": "owed to the courier now, paid out like a store's"})
    currency = ma.fields.String()
    opening_balance = ma.fields.Integer()
    closing_balance = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(EarningLineSchema))
    as_of = ma.fields.AwareDateTime()


class IncomingHaulSchema(TaskSchema):
    handover_code = ma.fields.String(metadata={"description": "give it to the courier when the goods arrive"})
