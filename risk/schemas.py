"""Request and response shapes of risk: a store's credit and financing, and the admins' portfolio."""
import marshmallow as ma

from payments.validation import MAX_AMOUNT


class CreditReasonSchema(ma.Schema):
    feature = ma.fields.String()
    value = ma.fields.Float(allow_none=True)
    contribution = ma.fields.Float(metadata={"description": "log-odds this feature adds to the risk"})
    zh = ma.fields.String()
    en = ma.fields.String()


class CreditScoreSchema(ma.Schema):
    as_of = ma.fields.AwareDateTime()
    band = ma.fields.String(metadata={"description": "A (lowest risk) to E"})
    points = ma.fields.Float()
    probability = ma.fields.Float(metadata={"description": "calibrated probability of default"})
    reasons = ma.fields.List(ma.fields.Nested(CreditReasonSchema), metadata={
        "description": "what raises the risk most, from the model's own contributions, in Chinese and English"})
    model = ma.fields.String(allow_none=True)
    synthetic_model = ma.fields.Boolean(metadata={"description": "the model was trained on simulated histories"})


class OfferSchema(ma.Schema):
    id = ma.fields.Integer()
    band = ma.fields.String()
    currency = ma.fields.String()
    monthly_sales = ma.fields.Integer(metadata={"description": "trailing 90-day average, fen"})
    min_amount = ma.fields.Integer()
    max_amount = ma.fields.Integer()
    fee_rate = ma.fields.Float(metadata={"description": "a fixed fee, as a share of the amount, charged once"})
    fee_at_max = ma.fields.Integer()
    remittance_rate = ma.fields.Float(metadata={"description": "share of each settlement withheld until repaid"})
    min_repayment_rate = ma.fields.Float(metadata={"description": "share of the total due, at least, per period"})
    period_days = ma.fields.Integer()
    decided_automatically_up_to = ma.fields.Integer()
    status = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()
    created_at = ma.fields.AwareDateTime()


class RepaymentSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "remittance, early or write_off"})
    amount = ma.fields.Integer()
    fee_part = ma.fields.Integer()
    at = ma.fields.AwareDateTime()


class AdvanceSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": (
        "in_review, declined, active, late, defaulted, repaid or written_off")})
    currency = ma.fields.String()
    principal = ma.fields.Integer()
    fee = ma.fields.Integer()
    total_due = ma.fields.Integer()
    repaid = ma.fields.Integer()
    outstanding = ma.fields.Integer()
    progress = ma.fields.Float()
    remittance_rate = ma.fields.Float()
    min_repayment = ma.fields.Integer(metadata={"description": "fen due at least per period, cumulatively"})
    period_days = ma.fields.Integer()
    days_past_due = ma.fields.Integer()
    human_review_requested = ma.fields.Boolean()
    decided_by = ma.fields.String(allow_none=True, metadata={"description": "auto or person"})
    decision_reason = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    disbursed_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    repayments = ma.fields.List(ma.fields.Nested(RepaymentSchema))


class StoreFinancingSchema(ma.Schema):
    store_id = ma.fields.Integer()
    score = ma.fields.Nested(CreditScoreSchema, allow_none=True)
    offer = ma.fields.Nested(OfferSchema, allow_none=True)
    advances = ma.fields.List(ma.fields.Nested(AdvanceSchema))


class AcceptSchema(ma.Schema):
    amount = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_AMOUNT))
    human_review = ma.fields.Boolean(load_default=False, metadata={
        "description": "ask for a person's decision instead of the automatic one (PIPL Art. 24)"})
    note = ma.fields.String(validate=ma.validate.Length(min=1, max=500), metadata={
        "description": "what the merchant wants the reviewer to know or explain"})


class RepaySchema(ma.Schema):
    amount = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_AMOUNT), metadata={
        "description": "fen; all that is outstanding when left out"})


class DecisionSchema(ma.Schema):
    approve = ma.fields.Boolean(required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class ReasonOnlySchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class ReviewItemSchema(AdvanceSchema):
    store_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    merchant_note = ma.fields.String(allow_none=True)
    score = ma.fields.Nested(CreditScoreSchema, allow_none=True)


class VintageSchema(ma.Schema):
    month = ma.fields.String()
    currency = ma.fields.String()
    advances = ma.fields.Integer()
    disbursed = ma.fields.Integer()
    defaulted = ma.fields.Integer()
    default_rate = ma.fields.Float()


class PortfolioSchema(ma.Schema):
    totals = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer()), metadata={"description": (
            "per currency: disbursed, outstanding, repaid, fees_earned, written_off")})
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    open_offers = ma.fields.Integer()
    vintages = ma.fields.List(ma.fields.Nested(VintageSchema))
