"""Request and response shapes of pickup points, group deals and joins."""
from datetime import UTC, datetime

import marshmallow as ma

from commerce.groupbuy.models import DealStatus
from commerce.stores.schemas import Money
from core.web import Id

_moment = ma.validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 12, 31, tzinfo=UTC))


def _count(low: int, high: int, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=low, max=high), **kwargs)


class HostSchema(ma.Schema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class PickupPointSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    location = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    host_login = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=254),
                                  metadata={"description": "the host's email or phone; a resident here"})
    host = ma.fields.Nested(HostSchema, dump_only=True)
    commission_bps = _count(0, 5000, required=True,
                            metadata={"description": "the host's share of each order, in basis points"})
    active = ma.fields.Boolean(load_default=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class PickupPointUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    location = ma.fields.String(validate=ma.validate.Length(min=1, max=255))
    commission_bps = _count(0, 5000)
    active = ma.fields.Boolean()


class HandOverSchema(ma.Schema):
    order_id = Id(required=True)
    code = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[0-9]{6}$"))


class PointOrderLineSchema(ma.Schema):
    product_name = ma.fields.String()
    variant_name = ma.fields.String()
    quantity = ma.fields.Integer()


class PointOrderSchema(ma.Schema):
    """A group order waiting at a pickup point, as its host sees it: who collects, and what."""

    id = ma.fields.Integer()
    status = ma.fields.String()
    recipient_name = ma.fields.Function(lambda order: order.recipient_name if order.is_active else None,
                                        allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(PointOrderLineSchema))
    group_deal_id = ma.fields.Integer(allow_none=True)
    paid_at = ma.fields.AwareDateTime(allow_none=True)


class PointOrderFilterSchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(["paid", "accepted", "ready", "delivered", "completed"]))


class GroupDealSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    store_id = ma.fields.Integer(dump_only=True)
    community_id = Id(required=True)
    product_id = ma.fields.Integer(dump_only=True)
    variant_id = Id(required=True)
    pickup_point_id = Id(required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    price = Money(low=1, required=True, metadata={"description": "per unit, minor units"})
    currency = ma.fields.String(dump_only=True)
    min_participants = _count(1, 10_000, required=True)
    max_quantity_per_resident = _count(1, 100, load_default=10)
    cut_off_at = ma.fields.AwareDateTime(required=True, validate=_moment)
    status = ma.fields.String(dump_only=True)
    participants = ma.fields.Integer(dump_only=True, metadata={"description": "residents whose payment is held"})
    closed_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class DealFilterSchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in DealStatus]))


class JoinCreateSchema(ma.Schema):
    quantity = _count(1, 100, load_default=1)


class GroupJoinSchema(ma.Schema):
    id = ma.fields.Integer()
    deal_id = ma.fields.Integer()
    quantity = ma.fields.Integer()
    amount = ma.fields.Integer()
    status = ma.fields.String()
    order_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class PayableJoinSchema(GroupJoinSchema):
    client_secret = ma.fields.String(
        allow_none=True, metadata={"description": "confirm it to authorise the hold (manual capture)"})
