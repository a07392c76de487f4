"""Request and response shapes of ads."""
import marshmallow as ma

from ads.models import Objective, Pricing, ReviewStatus
from core.web import MAX_ID
from payments.validation import MAX_AMOUNT

_money = ma.validate.Range(min=1, max=MAX_AMOUNT)


class LinkSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["store", "product", "coupon"]))
    id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_ID))


class CreativeSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    text = ma.fields.String(validate=ma.validate.Length(max=140))
    image_url = ma.fields.Url(schemes={"https"}, validate=ma.validate.Length(max=500))
    link = ma.fields.Nested(LinkSchema)


class TargetingSchema(ma.Schema):
    community_ids = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID)),
                                   required=True, validate=ma.validate.Length(min=1, max=50))
    building_ids = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID)),
                                  load_default=list, validate=ma.validate.Length(max=200))
    radius_m = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1),
                                 metadata={"description": "around the store, at most ADS_MAX_RADIUS_M (3,000)"})


class FrequencyCapSchema(ma.Schema):
    impressions = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=100))
    per = ma.fields.String(load_default="day", validate=ma.validate.OneOf(["day"]))


class CampaignReviewSchema(ma.Schema):
    community_id = ma.fields.Integer()
    status = ma.fields.String(validate=ma.validate.OneOf(list(ReviewStatus)))
    reason = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    store_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    objective = ma.fields.String(load_default=Objective.ORDERS, validate=ma.validate.OneOf(list(Objective)))
    pricing = ma.fields.String(required=True, validate=ma.validate.OneOf(list(Pricing)))
    bid = ma.fields.Integer(required=True, strict=True, validate=_money,
                            metadata={"description": "fen per click (cpc) or per 1,000 impressions (cpm)"})
    daily_budget = ma.fields.Integer(required=True, strict=True, validate=_money)
    total_budget = ma.fields.Integer(strict=True, allow_none=True, validate=_money)
    starts_at = ma.fields.AwareDateTime(metadata={"description": "now by default"})
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    dayparts = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=23)),
                              load_default=list, validate=ma.validate.Length(max=24),
                              metadata={"description": "local hours it serves in; empty for all day"})
    creative = ma.fields.Nested(CreativeSchema, required=True)
    targeting = ma.fields.Nested(TargetingSchema, required=True)
    frequency_cap = ma.fields.Nested(FrequencyCapSchema, required=True)
    paused = ma.fields.Boolean(load_default=False)
    status = ma.fields.Method("_status", dump_only=True, metadata={
        "description": "approved (serving somewhere), pending (waiting for a review), rejected, or paused"})
    reviews = ma.fields.List(ma.fields.Nested(CampaignReviewSchema), dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)

    def _status(self, campaign) -> str:
        statuses = {review.status for review in campaign.reviews}
        if campaign.paused:
            return "paused"
        for status in (ReviewStatus.APPROVED, ReviewStatus.PENDING):
            if status in statuses:
                return status.value
        return ReviewStatus.REJECTED.value


class CampaignUpdateSchema(CampaignSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    objective = ma.fields.String(validate=ma.validate.OneOf(list(Objective)))
    pricing = ma.fields.String(validate=ma.validate.OneOf(list(Pricing)))
    bid = ma.fields.Integer(strict=True, validate=_money)
    daily_budget = ma.fields.Integer(strict=True, validate=_money)
    dayparts = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=23)),
                              validate=ma.validate.Length(max=24))
    creative = ma.fields.Nested(CreativeSchema)
    targeting = ma.fields.Nested(TargetingSchema)
    frequency_cap = ma.fields.Nested(FrequencyCapSchema)
    paused = ma.fields.Boolean()


class CampaignDecisionSchema(ma.Schema):
    reason = ma.fields.String(validate=ma.validate.Length(min=1, max=255))


class CampaignFilterSchema(ma.Schema):
    status = ma.fields.String(load_default=ReviewStatus.PENDING, validate=ma.validate.OneOf(list(ReviewStatus)))
