"""Group buying (社区团购): pickup points and their hosts, the store's deals, residents' joins."""
from flask.views import MethodView

from commerce.api import blp
from commerce.groupbuy import queries, service
from commerce.groupbuy.schemas import (
    DealFilterSchema,
    GroupDealSchema,
    GroupJoinSchema,
    HandOverSchema,
    JoinCreateSchema,
    PayableJoinSchema,
    PickupPointSchema,
    PickupPointUpdateSchema,
    PointOrderFilterSchema,
    PointOrderSchema,
)
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.pagination import PageArgs, page_of, paginate

_POINTS = "/communities/<int:community_id>/pickup-points"
_DEALS = "/communities/<int:community_id>/group-deals"


def _counted(page: dict) -> dict:
    queries.with_participants(db.session, page["items"])
    return page


@blp.route(_POINTS)
class PickupPoints(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(PickupPointSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, **page):
        """The community's pickup points and their hosts"""
        return paginate(db.session, queries.pickup_points(current_actor(), community_id), page)

    @idempotent
    @blp.arguments(PickupPointSchema)
    @blp.response(201, PickupPointSchema)
    @blp.errors(401, 403, 404, 422)
    def post(self, body, community_id):
        """Open a pickup point with a resident as its host and their commission (managers)"""
        return service.create_pickup_point(db.session, current_actor(), community_id, **body)


@blp.route(f"{_POINTS}/<int:point_id>")
class PickupPointDetail(MethodView):
    @blp.arguments(PickupPointUpdateSchema)
    @blp.response(200, PickupPointSchema)
    @blp.errors(401, 403, 404, 422)
    def patch(self, body, community_id, point_id):
        """Change a pickup point, its commission, or close it (managers)"""
        return service.update_pickup_point(db.session, current_actor(), community_id, point_id, **body)


@blp.route(f"{_POINTS}/<int:point_id>/orders")
class PickupPointOrders(MethodView):
    @blp.arguments(PointOrderFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(PointOrderSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id, point_id, **page):
        """The group orders to be collected here (its host, or managers)"""
        query = queries.point_orders(db.session, current_actor(), community_id, point_id, **args)
        return paginate(db.session, query, page)


@blp.route(f"{_POINTS}/<int:point_id>/hand-over")
class PickupPointHandOver(MethodView):
    @blp.arguments(HandOverSchema)
    @blp.response(200, PointOrderSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, community_id, point_id):
        """Hand a ready group order over, verifying the resident's pickup code (its host)"""
        return service.hand_over_at_point(db.session, current_actor(), community_id, point_id, **body)


@blp.route("/stores/<int:store_id>/group-deals")
class StoreDeals(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(GroupDealSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, store_id, **page):
        """The store's group deals (its staff)"""
        return _counted(paginate(db.session, queries.store_deals(db.session, current_actor(), store_id), page))

    @idempotent
    @blp.arguments(GroupDealSchema)
    @blp.response(201, GroupDealSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id):
        """Open a group deal in a community the store serves: price, minimum, cut-off, pickup point"""
        return service.create_deal(db.session, current_actor(), store_id, **body)


@blp.route("/stores/<int:store_id>/group-deals/<int:deal_id>/cancel")
class StoreDealCancel(MethodView):
    @blp.response(200, GroupDealSchema)
    @blp.errors(401, 403, 404, 409, 502)
    def post(self, store_id, deal_id):
        """Withdraw an open deal: every hold is released (its staff)"""
        return service.cancel_deal(db.session, current_actor(), store_id, deal_id)


@blp.route(_DEALS)
class CommunityDeals(MethodView):
    @blp.arguments(DealFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(GroupDealSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """Group deals in the community (open ones by default), cut-off soonest first"""
        return _counted(paginate(db.session, queries.community_deals(current_actor(), community_id, **args), page))


@blp.route(f"{_DEALS}/<int:deal_id>")
class CommunityDeal(MethodView):
    @blp.response(200, GroupDealSchema)
    @blp.errors(401, 404)
    def get(self, community_id, deal_id):
        """One group deal and how many have joined"""
        return queries.get_community_deal(db.session, current_actor(), community_id, deal_id)


@blp.route(f"{_DEALS}/<int:deal_id>/joins")
class DealJoins(MethodView):
    @idempotent
    @blp.arguments(JoinCreateSchema)
    @blp.response(201, PayableJoinSchema)
    @blp.errors(401, 403, 404, 409, 422, 502)
    def post(self, body, community_id, deal_id):
        """Join: authorise the payment with the returned client_secret; it is taken only if the deal happens"""
        return service.join_deal(db.session, current_actor(), community_id, deal_id, **body)


@blp.route(f"{_DEALS}/<int:deal_id>/joins/<int:join_id>/leave")
class DealJoinLeave(MethodView):
    @blp.response(200, GroupJoinSchema)
    @blp.errors(401, 404, 409, 502)
    def post(self, community_id, deal_id, join_id):
        """Leave a deal before its cut-off: the hold is released"""
        return service.leave_deal(db.session, current_actor(), community_id, deal_id, join_id)


@blp.route("/communities/<int:community_id>/group-joins")
class MyJoins(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(GroupJoinSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, **page):
        """The resident's own group-deal joins in the community"""
        return paginate(db.session, queries.my_joins(current_actor(), community_id), page)
