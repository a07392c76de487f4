"""Request and response shapes of carts, checkout, coupons, orders, refunds and reviews."""
from datetime import UTC, datetime

import marshmallow as ma

from commerce.orders.models import RETURN_REASONS, CouponKind, OrderStatus, ReturnKind, ReturnStatus
from commerce.stores.schemas import Money
from core.web import Id

_moment = ma.validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 12, 31, tzinfo=UTC))
_code = ma.validate.Regexp(r"^[A-Za-z0-9_-]{3,32}$", error="3 to 32 letters, digits, dashes or underscores.")
_fulfilment = ma.validate.OneOf(["pickup", "delivery"])


def _count(low: int, high: int, **kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=low, max=high), **kwargs)


class CartLineInputSchema(ma.Schema):
    variant_id = Id(required=True)
    slot_id = Id(allow_none=True, load_default=None, metadata={"description": "required for a service"})
    quantity = _count(0, 999, required=True, metadata={"description": "0 takes the item out of the cart"})


_USE_WALLET = "without coupon_code, apply the best coupon of the resident's wallet (false: none)"


class CartQuerySchema(ma.Schema):
    fulfilment = ma.fields.String(validate=_fulfilment)
    coupon_code = ma.fields.String(validate=_code)
    use_wallet = ma.fields.Boolean(load_default=True, metadata={"description": _USE_WALLET})


class CartLineSchema(ma.Schema):
    variant_id = ma.fields.Integer()
    slot_id = ma.fields.Integer(allow_none=True)
    product_id = ma.fields.Integer()
    product_name = ma.fields.String()
    variant_name = ma.fields.String()
    unit_price = ma.fields.Integer()
    quantity = ma.fields.Integer()
    amount = ma.fields.Integer()
    available = ma.fields.Boolean()


class AppliedCouponSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    from_wallet = ma.fields.Boolean(metadata={"description": "chosen from the wallet, not given as coupon_code"})


class CartSchema(ma.Schema):
    """The cart priced by the server as checkout would price it now."""

    store_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    fulfilment = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(CartLineSchema))
    subtotal = ma.fields.Integer()
    discount = ma.fields.Integer()
    delivery_fee = ma.fields.Integer()
    total = ma.fields.Integer()
    currency = ma.fields.String()
    min_order = ma.fields.Integer()
    coupon_code = ma.fields.String(allow_none=True)
    coupon_error = ma.fields.String(allow_none=True, metadata={"description": "why the coupon does not apply"})
    coupon = ma.fields.Nested(AppliedCouponSchema, allow_none=True,
                              metadata={"description": "the coupon the amounts include, given or from the wallet"})


class CheckoutSchema(ma.Schema):
    fulfilment = ma.fields.String(required=True, validate=_fulfilment)
    coupon_code = ma.fields.String(validate=_code)
    use_wallet = ma.fields.Boolean(load_default=True, metadata={"description": _USE_WALLET})
    delivery_address = ma.fields.String(validate=ma.validate.Length(min=1, max=255),
                                        metadata={"description": "for delivery; defaults to the resident's home"})
    note = ma.fields.String(validate=ma.validate.Length(max=500))


class OrderLineSchema(ma.Schema):
    id = ma.fields.Integer()
    product_id = ma.fields.Integer()
    variant_id = ma.fields.Integer()
    slot_id = ma.fields.Integer(allow_none=True)
    slot_starts_at = ma.fields.AwareDateTime(allow_none=True)
    product_name = ma.fields.String()
    variant_name = ma.fields.String()
    sku = ma.fields.String()
    unit_price = ma.fields.Integer()
    quantity = ma.fields.Integer()
    discount = ma.fields.Integer()
    line_total = ma.fields.Integer()
    refunded_quantity = ma.fields.Integer()
    refunded = ma.fields.Integer()


class OrderEventSchema(ma.Schema):
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class OrderSchema(ma.Schema):
    """An order as the resident who placed it sees it."""

    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    status = ma.fields.String()
    fulfilment = ma.fields.String()
    delivery_address = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema))
    subtotal = ma.fields.Integer()
    discount = ma.fields.Integer()
    delivery_fee = ma.fields.Integer()
    total = ma.fields.Integer()
    refunded = ma.fields.Integer()
    currency = ma.fields.String()
    coupon_code = ma.fields.String(allow_none=True)
    pickup_code = ma.fields.String(allow_none=True, metadata={"description": "show it when collecting"})
    pickup_point_id = ma.fields.Integer(allow_none=True)
    group_deal_id = ma.fields.Integer(allow_none=True)
    reserved_until = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "pay before this"})
    cancel_reason = ma.fields.String(allow_none=True)
    paid_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    returnable_until = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "the resident may ask for lines back (售后) until then"})
    history = ma.fields.List(ma.fields.Nested(OrderEventSchema))
    created_at = ma.fields.AwareDateTime()


class PayableOrderSchema(OrderSchema):
    client_secret = ma.fields.String(
        allow_none=True,
        metadata={"description": "the Stripe PaymentIntent's client secret, while the order awaits payment"},
    )


class RecipientSchema(ma.Schema):
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)


def _recipient(order):
    # Who bought and where they live reach the merchant only while the order is being worked on.
    if not order.is_active:
        return None
    return {"name": order.recipient_name, "phone": order.recipient_phone, "address": order.delivery_address}


class StoreOrderSchema(OrderSchema):
    """An order as the store's staff see it: the recipient only while the order is active."""

    class Meta:
        exclude = ("pickup_code", "delivery_address", "reserved_until")

    recipient = ma.fields.Function(_recipient, allow_none=True, metadata={"type": "object", "nullable": True})


class OrderFilterSchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in OrderStatus]))


class StoreOrderFilterSchema(OrderFilterSchema):
    community_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**63 - 1))


class OrderCancelSchema(ma.Schema):
    reason = ma.fields.String(validate=ma.validate.Length(min=1, max=255))


class StoreCancelSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))


class PickupCodeSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[0-9]{6}$"))


class OrderRefundLineSchema(ma.Schema):
    line_id = Id(required=True)
    quantity = _count(1, 999, required=True)


class OrderRefundCreateSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    amount = Money(low=1, metadata={"description": "an amount; or give lines"})
    lines = ma.fields.List(ma.fields.Nested(OrderRefundLineSchema), validate=ma.validate.Length(min=1, max=100))

    @ma.validates_schema
    def _amount_or_lines(self, data, **kwargs):
        if ("amount" in data) == ("lines" in data):
            raise ma.ValidationError("Give either amount or lines.", "amount")


class OrderRefundSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    amount = ma.fields.Integer()
    reason = ma.fields.String()
    lines = ma.fields.List(ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer()))
    created_at = ma.fields.AwareDateTime()


class ProductRatingSchema(ma.Schema):
    product_id = Id(required=True)
    rating = _count(1, 5, required=True)
    text = ma.fields.String(validate=ma.validate.Length(max=1000))


class ReviewCreateSchema(ma.Schema):
    rating = _count(1, 5, required=True, metadata={"description": "the store, 1 to 5"})
    text = ma.fields.String(validate=ma.validate.Length(max=1000))
    products = ma.fields.List(ma.fields.Nested(ProductRatingSchema), validate=ma.validate.Length(max=50))


class StoreReviewSchema(ma.Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    rating = ma.fields.Integer()
    text = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class CouponSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    store_id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=_code)
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in CouponKind]))
    value = _count(1, 99_999_999, required=True, metadata={"description": "fen off, or percent off (1-100)"})
    min_spend = Money(load_default=0, metadata={"description": "on the lines the coupon applies to"})
    per_resident_limit = _count(1, 1000, allow_none=True, load_default=None)
    total_limit = _count(1, 10_000_000, allow_none=True, load_default=None)
    starts_at = ma.fields.AwareDateTime(allow_none=True, load_default=None, validate=_moment)
    ends_at = ma.fields.AwareDateTime(allow_none=True, load_default=None, validate=_moment)
    product_ids = ma.fields.List(Id(), load_default=list, validate=ma.validate.Length(max=200),
                                 metadata={"description": "empty: every product of the store"})
    category_ids = ma.fields.List(Id(), load_default=list, validate=ma.validate.Length(max=50))
    active = ma.fields.Boolean(load_default=True)
    claimable = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "listed for the residents of the communities the store serves, who claim it into "
                                 "their wallet (total_limit is then how many can claim it, each using it once); "
                                 "false: code-only. Fixed when the coupon is created"})
    redeemed = ma.fields.Integer(dump_only=True)
    claimed = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class CouponStoreSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ResidentCouponSchema(ma.Schema):
    """A coupon as a resident sees it: in a community's or a store's list, or in their wallet."""

    id = ma.fields.Integer()
    store = ma.fields.Nested(CouponStoreSchema)
    code = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    kind = ma.fields.String()
    value = ma.fields.Integer(metadata={"description": "fen off, or percent off"})
    min_spend = ma.fields.Integer()
    starts_at = ma.fields.AwareDateTime(allow_none=True)
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    product_ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "empty: every product of the store"})
    category_ids = ma.fields.List(ma.fields.Integer())
    left = ma.fields.Integer(allow_none=True, metadata={"description": "how many can still claim it; null: no limit"})
    claimed_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "null: not in your wallet"})
    state = ma.fields.String(metadata={"description": "available, upcoming (starts later), used (by one of your "
                                                      "unfinished orders), expired, or exhausted (all claimed)"})


class CommunityCouponFilterSchema(ma.Schema):
    store_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**63 - 1))


class WalletFilterSchema(ma.Schema):
    community_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**63 - 1),
                                     metadata={"description": "only coupons of the stores serving this community"})
    store_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**63 - 1))
    state = ma.fields.String(validate=ma.validate.OneOf(["available", "upcoming", "used", "expired"]))


class CouponUpdateSchema(ma.Schema):
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    per_resident_limit = _count(1, 1000, allow_none=True)
    total_limit = _count(1, 10_000_000, allow_none=True)
    starts_at = ma.fields.AwareDateTime(allow_none=True, validate=_moment)
    ends_at = ma.fields.AwareDateTime(allow_none=True, validate=_moment)
    active = ma.fields.Boolean()


_photo = ma.validate.And(ma.validate.URL(schemes={"https", "http"}), ma.validate.Length(max=500))


class ReturnLineInputSchema(ma.Schema):
    line_id = Id(required=True)
    quantity = _count(1, 999, required=True)


class ReturnCreateSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in ReturnKind]),
                            metadata={"description": "refund_only, or return_and_refund (the goods go back)"})
    reason = ma.fields.String(required=True, validate=ma.validate.OneOf(RETURN_REASONS))
    description = ma.fields.String(validate=ma.validate.Length(max=500))
    photos = ma.fields.List(ma.fields.String(validate=_photo), load_default=list, validate=ma.validate.Length(max=6))
    lines = ma.fields.List(ma.fields.Nested(ReturnLineInputSchema), required=True,
                           validate=ma.validate.Length(min=1, max=100))


class ReturnLineSchema(ma.Schema):
    line_id = ma.fields.Integer()
    quantity = ma.fields.Integer()
    product_name = ma.fields.String()
    variant_name = ma.fields.String()
    amount = ma.fields.Integer()


class ReturnEventSchema(ma.Schema):
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ReturnRequestSchema(ma.Schema):
    """A return request, as the resident who asked and the store's staff see it (no one's contact)."""

    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    kind = ma.fields.String()
    reason = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    photos = ma.fields.List(ma.fields.String())
    lines = ma.fields.List(ma.fields.Nested(ReturnLineSchema))
    amount = ma.fields.Integer(metadata={"description": "what the lines refund, in minor units"})
    status = ma.fields.String()
    decision_note = ma.fields.String(allow_none=True)
    restocked = ma.fields.Boolean()
    order_refund_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    history = ma.fields.List(ma.fields.Nested(ReturnEventSchema))


class ReturnFilterSchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ReturnStatus]))


class ReturnApproveSchema(ma.Schema):
    restock = ma.fields.Boolean(load_default=False,
                                metadata={"description": "put the returned goods back in stock"})
    note = ma.fields.String(validate=ma.validate.Length(min=1, max=200))


class ReturnRejectSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
