"""Request and response shapes of stores."""
import marshmallow as ma

from commerce.stores.models import Fulfilment, ServiceStatus, StaffRole
from community.bookings.schemas import OpeningHoursSchema
from core.web import MAX_ID, Id

MAX_MONEY = 99_999_999
_slug = ma.validate.Regexp(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$", error="Use lowercase letters, digits and dashes.")


def Money(*, low: int = 0, strict: bool = True, **kwargs) -> ma.fields.Integer:
    """An amount in minor units (fen), from `low` to Stripe's ceiling (`strict=False` in query strings)."""
    return ma.fields.Integer(strict=strict, validate=ma.validate.Range(min=low, max=MAX_MONEY), **kwargs)


def QueryId(**kwargs) -> ma.fields.Integer:
    """An id in a query string (which carries text, so not strict)."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


class SearchText(ma.fields.String):
    """A search box's text in a query string: trimmed, and empty or blank means no query (None)."""

    def __init__(self, *, max_length: int = 100, **kwargs):
        super().__init__(validate=ma.validate.Length(max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        return text or None

    def _validate(self, value):
        if value is not None:
            super()._validate(value)


def _text(low: int, high: int, **kwargs) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(min=low, max=high), **kwargs)


class StoreSchema(ma.Schema):
    """The store as its owner and staff see it."""

    id = ma.fields.Integer(dump_only=True)
    name = _text(1, 80, required=True)
    licence_number = _text(1, 40, required=True, metadata={"description": "business licence (营业执照) number"})
    contact_name = _text(1, 60, required=True)
    contact_phone = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    categories = ma.fields.List(
        ma.fields.String(validate=_slug), required=True, validate=ma.validate.Length(min=1, max=10),
        metadata={"description": "category slugs of what the store sells; the first one sets its commission"},
    )
    description = _text(0, 1000, allow_none=True)
    address = _text(0, 255, allow_none=True)
    latitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-90, max=90),
                               metadata={"description": "where couriers collect; with longitude"})
    longitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    preparation_minutes = ma.fields.Integer(strict=True, load_default=15, validate=ma.validate.Range(min=0, max=240),
                                            metadata={"description": "how long an order takes to prepare; "
                                                      "delivery promises count from it"})
    timezone = _text(1, 64, load_default="Asia/Shanghai")
    fulfilment = ma.fields.String(load_default=Fulfilment.PICKUP.value,
                                  validate=ma.validate.OneOf([f.value for f in Fulfilment]))
    delivery_fee = Money(load_default=0)
    min_order = Money(load_default=0, metadata={"description": "the least subtotal a checkout accepts"})
    opening_hours = ma.fields.List(
        ma.fields.Nested(OpeningHoursSchema), load_default=list, validate=ma.validate.Length(max=50),
        metadata={"description": "weekly hours in the store's time zone; none means always open"},
    )
    currency = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    suspended_reason = ma.fields.String(dump_only=True, allow_none=True)
    rating = ma.fields.Float(dump_only=True, allow_none=True)
    rating_count = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.validates_schema
    def _point(self, data, **_kwargs):
        if ("latitude" in data) != ("longitude" in data) or (
                (data.get("latitude") is None) != (data.get("longitude") is None)):
            raise ma.ValidationError("Give latitude and longitude together.", "longitude")


class StoreUpdateSchema(StoreSchema):
    name = _text(1, 80)
    licence_number = _text(1, 40)
    contact_name = _text(1, 60)
    contact_phone = ma.fields.String(validate=ma.validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    categories = ma.fields.List(ma.fields.String(validate=_slug), validate=ma.validate.Length(min=1, max=10))
    timezone = _text(1, 64)
    fulfilment = ma.fields.String(validate=ma.validate.OneOf([f.value for f in Fulfilment]))
    delivery_fee = Money()
    min_order = Money()
    opening_hours = ma.fields.List(ma.fields.Nested(OpeningHoursSchema), validate=ma.validate.Length(max=50))
    preparation_minutes = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=240))


class PublicStoreSchema(ma.Schema):
    """The store as residents see it (no licence, no personal contact)."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    categories = ma.fields.List(ma.fields.String())
    description = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    timezone = ma.fields.String()
    fulfilment = ma.fields.String()
    delivery_fee = ma.fields.Integer()
    min_order = ma.fields.Integer()
    currency = ma.fields.String()
    opening_hours = ma.fields.List(ma.fields.Nested(OpeningHoursSchema))
    open_now = ma.fields.Boolean()
    rating = ma.fields.Float(allow_none=True)
    rating_count = ma.fields.Integer()


class StorePersonSchema(ma.Schema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class StoreStaffSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    store_id = ma.fields.Integer(dump_only=True)
    login = ma.fields.String(load_only=True, required=True, validate=ma.validate.Length(min=1, max=254))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf([r.value for r in StaffRole]))
    person = ma.fields.Nested(StorePersonSchema, attribute="user", dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class ApplicationCreateSchema(ma.Schema):
    community_id = Id(required=True)
    message = _text(0, 500, allow_none=True)


class ApplicationSchema(ma.Schema):
    """A store's application to serve a community, and its standing there."""

    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    status = ma.fields.String()
    message = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ApplicantSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    licence_number = ma.fields.String()
    contact_name = ma.fields.String()
    contact_phone = ma.fields.String()
    categories = ma.fields.List(ma.fields.String())
    description = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    fulfilment = ma.fields.String()
    status = ma.fields.String()


class CommunityApplicationSchema(ApplicationSchema):
    """What a community's managers see of an applicant: the business, to decide on it."""

    store = ma.fields.Nested(ApplicantSchema)


class ApplicationFilterSchema(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ServiceStatus]))


class StoreReasonSchema(ma.Schema):
    reason = _text(1, 255, required=True)


class StatementLineSchema(ma.Schema):
    description = ma.fields.String()
    amount = ma.fields.Integer()
    occurred_at = ma.fields.AwareDateTime()


class StorePayoutSchema(ma.Schema):
    id = ma.fields.Integer()
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    lines = ma.fields.List(ma.fields.Nested(StatementLineSchema))


class StatementEntrySchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": (
        "payment, platform_commission, community_commission, refund, commission_returned, refund_reversed, "
        "pickup_host_commission, payout or adjustment")})
    amount = ma.fields.Integer(metadata={"description": "signed fen: positive, the store is owed more"})
    occurred_at = ma.fields.AwareDateTime()
    description = ma.fields.String()
    order_id = ma.fields.Integer(allow_none=True)
    payout_id = ma.fields.Integer(allow_none=True)
    refund_id = ma.fields.Integer(allow_none=True)


class PayoutAccountSchema(ma.Schema):
    stripe_account_id = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class SettlementSchema(ma.Schema):
    store_id = ma.fields.Integer()
    currency = ma.fields.String()
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()
    opening_balance = ma.fields.Integer(metadata={"description": "owed to the store when the period began"})
    closing_balance = ma.fields.Integer(metadata={"description": "opening_balance + the sum of the lines"})
    totals = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": "by kind"})
    lines = ma.fields.List(ma.fields.Nested(StatementEntrySchema))
    balance = ma.fields.Integer(metadata={"description": "owed to the store now, paid at the next settlement"})
    payouts = ma.fields.List(ma.fields.Nested(StorePayoutSchema), metadata={"description": "made in the period"})
    payout_account = ma.fields.Nested(PayoutAccountSchema, allow_none=True)


class RevenueStoreSchema(ma.Schema):
    store_id = ma.fields.Integer()
    store_name = ma.fields.String(allow_none=True)
    amount = ma.fields.Integer()
    orders = ma.fields.Integer()
    order_ids = ma.fields.List(ma.fields.Integer())


class RevenueMonthSchema(ma.Schema):
    month = ma.fields.String(metadata={"description": "YYYY-MM, in the community's time zone"})
    amount = ma.fields.Integer()


class RevenueLineSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "community_share, or community_share_returned (a refund)"})
    amount = ma.fields.Integer()
    occurred_at = ma.fields.AwareDateTime()
    store_id = ma.fields.Integer(allow_none=True)
    store_name = ma.fields.String(allow_none=True)
    order_id = ma.fields.Integer(allow_none=True)


class CommunityRevenueSchema(ma.Schema):
    community_id = ma.fields.Integer()
    currency = ma.fields.String()
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()
    total = ma.fields.Integer(metadata={"description": "the community's share over the period, in fen"})
    by_month = ma.fields.List(ma.fields.Nested(RevenueMonthSchema))
    by_store = ma.fields.List(ma.fields.Nested(RevenueStoreSchema))
    lines = ma.fields.List(ma.fields.Nested(RevenueLineSchema))


class PayoutAccountSetupSchema(ma.Schema):
    return_url = ma.fields.Url(load_default=None, allow_none=True, schemes={"https", "http"},
                               metadata={"description": "where Stripe's onboarding sends the owner back"})


class PayoutAccountStatusSchema(ma.Schema):
    stripe_account_id = ma.fields.String()
    payouts_enabled = ma.fields.Boolean()
    onboarding_url = ma.fields.String(allow_none=True, metadata={"description": "finish onboarding here"})
