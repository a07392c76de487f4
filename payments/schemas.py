"""Request and response shapes of payments."""
import marshmallow as ma

from core.web import MAX_ID, Id
from payments.models import PaymentStatus, RefundStatus
from payments.validation import MAX_AMOUNT

_category = ma.validate.Regexp(r"^(\*|[a-z0-9_-]{1,40})$", error="Use '*' or lowercase letters, digits, '_' and '-'.")
_payee = ma.validate.Regexp(r"^[a-z_]{1,30}:[1-9][0-9]{0,18}$", error="Use a payee such as store:3.")
_bps = ma.validate.Range(min=0, max=10_000)


def _query_id() -> ma.fields.Integer:
    # Query strings carry text: not strict like `Id()` in bodies, but bounded the same way.
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))


class WebhookAckSchema(ma.Schema):
    received = ma.fields.Boolean(required=True)
    duplicate = ma.fields.Boolean(required=True)
    outcome = ma.fields.String(required=True, metadata={"description": "applied, ignored or duplicate"})


class PaymentSchema(ma.Schema):
    """A payment as the platform sees it (never its client secret)."""

    id = ma.fields.Integer()
    reference = ma.fields.String()
    payer_user_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    payee = ma.fields.String(allow_none=True)
    store_category = ma.fields.String(allow_none=True)
    description = ma.fields.String()
    amount = ma.fields.Integer(metadata={"description": "minor units (fen)"})
    currency = ma.fields.String()
    capture_method = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(list(PaymentStatus)))
    amount_captured = ma.fields.Integer()
    amount_refunded = ma.fields.Integer()
    platform_fee = ma.fields.Integer()
    community_fee = ma.fields.Integer()
    stripe_payment_intent_id = ma.fields.String(allow_none=True)
    failure_code = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class PaymentFilterSchema(ma.Schema):
    reference = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    status = ma.fields.String(validate=ma.validate.OneOf(list(PaymentStatus)))
    community_id = _query_id()


class RefundCreateSchema(ma.Schema):
    amount = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_AMOUNT))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class RefundSchema(ma.Schema):
    id = ma.fields.Integer()
    payment_id = ma.fields.Integer()
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    reason = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(list(RefundStatus)))
    stripe_refund_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class CommissionRateSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = Id(allow_none=True, load_default=None,
                      metadata={"description": "null: the rate for every community without its own"})
    store_category = ma.fields.String(load_default="*", validate=_category,
                                      metadata={"description": "'*': every category without its own rate"})
    platform_rate_bps = ma.fields.Integer(required=True, strict=True, validate=_bps,
                                          metadata={"description": "basis points: 500 is 5 %"})
    community_rate_bps = ma.fields.Integer(required=True, strict=True, validate=_bps)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class CommissionRateFilterSchema(ma.Schema):
    community_id = _query_id()


class PayoutLineSchema(ma.Schema):
    description = ma.fields.String()
    amount = ma.fields.Integer(metadata={"description": "for the payee: positive earned, negative refunded"})
    occurred_at = ma.fields.AwareDateTime()


class PayoutSchema(ma.Schema):
    id = ma.fields.Integer()
    payee = ma.fields.String()
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    stripe_transfer_id = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    lines = ma.fields.List(ma.fields.Nested(PayoutLineSchema))


class PayoutFilterSchema(ma.Schema):
    payee = ma.fields.String(validate=_payee)


class ClientSecretSchema(ma.Schema):
    client_secret = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))


class TestConfirmSchema(ClientSecretSchema):
    payment_method = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["pm_card_visa", "pm_card_chargeDeclined",
                                                   "pm_card_authenticationRequired"]),
        metadata={"description": "one of Stripe's test PaymentMethods"})


class PaymentReportSchema(ma.Schema):
    payment_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "the intent's status (test confirm) or the payment's"})
    payment_status = ma.fields.String(metadata={"description": "the payment's status after Stripe's answer"})
    decline_code = ma.fields.String(allow_none=True)


class PeriodArgs(ma.Schema):
    """A period of local calendar days, both included; this month so far by default."""

    from_ = ma.fields.Date(data_key="from", metadata={"description": "first day (YYYY-MM-DD), included"})
    to = ma.fields.Date(metadata={"description": "last day (YYYY-MM-DD), included"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "csv"]),
                              metadata={"description": "csv: the same as a spreadsheet (UTF-8 with BOM)"})

    @ma.validates_schema
    def _ordered(self, data, **_kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and end < start:
            raise ma.ValidationError("Must not be before from.", "to")
        if start and end and (end - start).days > 366:
            raise ma.ValidationError("A period is at most 367 days.", "to")


class ExportSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    status = ma.fields.String(metadata={"description": "pending, done or failed"})
    created_at = ma.fields.AwareDateTime()
    finished_at = ma.fields.AwareDateTime(allow_none=True)
    download = ma.fields.Function(lambda e: f"/api/payments/exports/{e.id}")


class PlatformTotalsSchema(ma.Schema):
    currency = ma.fields.String()
    gmv = ma.fields.Integer(metadata={"description": "captured payments"})
    platform_commission = ma.fields.Integer()
    community_shares = ma.fields.Integer()
    refunds = ma.fields.Integer()
    payouts = ma.fields.Integer()
    stripe_fees = ma.fields.Integer()


class PlatformMonthSchema(PlatformTotalsSchema):
    month = ma.fields.String(metadata={"description": "YYYY-MM"})


class PlatformSummarySchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()
    totals = ma.fields.List(ma.fields.Nested(PlatformTotalsSchema))
    months = ma.fields.List(ma.fields.Nested(PlatformMonthSchema))
