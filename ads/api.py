"""HTTP endpoints of ads so far: a store's campaigns, and their review by each targeted community."""
from flask.views import MethodView

from ads import queries, service
from ads.schemas import (
    CampaignDecisionSchema,
    CampaignFilterSchema,
    CampaignReviewSchema,
    CampaignSchema,
    CampaignUpdateSchema,
)
from core.auth import current_actor
from core.db import db
from core.pagination import PageArgs, page_of, paginate
from core.web import Blueprint

blp = Blueprint(
    "ads", __name__, url_prefix="/api",
    description=(
        "Local promotions (广告). A store's owner creates a campaign: objective, CPC or CPM bid, daily and "
        "total budget, dates and dayparts, a creative linking the store or one of its products or coupons, "
        "the communities (and buildings, or a radius) it targets, and a frequency cap per resident per day. "
        "Settings that cannot make sense are 422 naming the field. Each targeted community's managers "
        "approve it, or reject it with a reason, before it serves there, and again after any edit. Amounts "
        "are fen. Serving, counting and billing come next."
    ),
)


@blp.route("/stores/<int:store_id>/ads/campaigns")
class StoreCampaigns(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, store_id, **page):
        """The store's campaigns with each community's review (staff)"""
        return paginate(db.session, queries.store_campaigns(db.session, current_actor(), store_id), page)

    @blp.arguments(CampaignSchema)
    @blp.response(201, CampaignSchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, store_id):
        """Create a campaign; it waits for each targeted community's managers (owners)"""
        return service.create_campaign(db.session, current_actor(), store_id, **body)


@blp.route("/stores/<int:store_id>/ads/campaigns/<int:campaign_id>")
class StoreCampaign(MethodView):
    @blp.response(200, CampaignSchema)
    @blp.errors(401, 403, 404)
    def get(self, store_id, campaign_id):
        """One campaign (staff)"""
        return queries.store_campaign(db.session, current_actor(), store_id, campaign_id)

    @blp.arguments(CampaignUpdateSchema(partial=True))
    @blp.response(200, CampaignSchema)
    @blp.errors(401, 403, 404, 422)
    def patch(self, body, store_id, campaign_id):
        """Edit (reviewed again everywhere) or pause a campaign (owners)"""
        return service.update_campaign(db.session, current_actor(), store_id, campaign_id, **body)


@blp.route("/communities/<int:community_id>/ads/campaigns")
class CommunityCampaigns(MethodView):
    @blp.arguments(CampaignFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CampaignSchema))
    @blp.errors(401, 403, 422)
    def get(self, args, community_id, **page):
        """Campaigns targeting the community, pending review by default (managers)"""
        return paginate(db.session, queries.community_campaigns(current_actor(), community_id, **args), page)


def _decision(approve: bool, summary: str):
    class Decide(MethodView):
        @blp.arguments(CampaignDecisionSchema)
        @blp.response(200, CampaignReviewSchema)
        @blp.errors(401, 403, 404, 409, 422)
        def post(self, body, community_id, campaign_id):
            return service.decide(db.session, current_actor(), community_id, campaign_id, approve=approve, **body)

    Decide.post.__doc__ = summary
    Decide.__name__ = "CampaignApprove" if approve else "CampaignReject"
    return Decide


blp.route("/communities/<int:community_id>/ads/campaigns/<int:campaign_id>/approve")(
    _decision(True, "Let the campaign serve in the community (managers)"))
blp.route("/communities/<int:community_id>/ads/campaigns/<int:campaign_id>/reject")(
    _decision(False, "Refuse the campaign in the community, with a reason the merchant reads (managers)"))
