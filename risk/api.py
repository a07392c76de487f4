"""HTTP endpoints of risk: a store owner's credit score, offers and advances; the platform's portfolio,
review queue, decisions and write-offs."""
from flask.views import MethodView

from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.web import Blueprint
from risk.financing import queries, service
from risk.schemas import (
    AcceptSchema,
    AdvanceSchema,
    DecisionSchema,
    OfferSchema,
    PortfolioSchema,
    ReasonOnlySchema,
    RepaySchema,
    ReviewItemSchema,
    StoreFinancingSchema,
)

blp = Blueprint(
    "risk", __name__, url_prefix="/api",
    description=(
        "Merchant credit and working capital. A store's owner sees its credit band and the reasons behind "
        "it, asks for an offer (sized from its score and the last 90 days of sales: a fixed fee, never "
        "interest; a share of each settlement withheld until repaid; a minimum per 30 days), and accepts "
        "it: within the offer's automatic limit it is decided and paid into the store's balance at once "
        "(paid out at the next payout); beyond it, or when the owner asks for a person, a platform admin "
        "decides. Staff who are not owners, other stores and residents see none of it."
    ),
)


@blp.route("/stores/<int:store_id>/financing")
class StoreFinancing(MethodView):
    @blp.response(200, StoreFinancingSchema)
    @blp.errors(401, 403, 404)
    def get(self, store_id):
        """The store's credit score with its reasons, its open offer and its advances (owners)"""
        return queries.store_financing(db.session, current_actor(), store_id)


@blp.route("/stores/<int:store_id>/financing/offers")
class StoreOffers(MethodView):
    @blp.response(201, OfferSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, store_id):
        """Score the store now and make its offer (409 `no_offer` when its band or sales give none)"""
        return queries.offer_view(service.ask_for_offer(db.session, current_actor(), store_id))


@blp.route("/stores/<int:store_id>/financing/offers/<int:offer_id>/accept")
class AcceptOffer(MethodView):
    @idempotent
    @blp.arguments(AcceptSchema)
    @blp.response(201, AdvanceSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id, offer_id):
        """Take an amount of the offer: decided at once when it is a clear case, else by a person"""
        advance = service.accept_offer(db.session, current_actor(), store_id, offer_id, **body)
        return queries.store_advance(db.session, current_actor(), store_id, advance.id)


@blp.route("/stores/<int:store_id>/financing/advances/<int:advance_id>")
class StoreAdvance(MethodView):
    @blp.response(200, AdvanceSchema)
    @blp.errors(401, 403, 404)
    def get(self, store_id, advance_id):
        """One advance with every repayment (owners)"""
        return queries.store_advance(db.session, current_actor(), store_id, advance_id)


@blp.route("/stores/<int:store_id>/financing/advances/<int:advance_id>/repay")
class RepayAdvance(MethodView):
    @idempotent
    @blp.arguments(RepaySchema)
    @blp.response(200, AdvanceSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id, advance_id):
        """Repay early from the store's balance (what the next payout would pay it)"""
        advance = service.repay_early(db.session, current_actor(), store_id, advance_id, amount=body.get("amount"))
        return queries.store_advance(db.session, current_actor(), store_id, advance.id)


@blp.route("/financing/portfolio")
class Portfolio(MethodView):
    @blp.response(200, PortfolioSchema)
    @blp.errors(401, 403)
    def get(self):
        """Outstanding, repaid, fees and losses; default rate by vintage (platform admins)"""
        return queries.portfolio(db.session, current_actor())


@blp.route("/financing/reviews")
class Reviews(MethodView):
    @blp.response(200, ReviewItemSchema(many=True))
    @blp.errors(401, 403)
    def get(self):
        """Advances waiting for a person's decision, with the score behind each (platform admins)"""
        return queries.review_queue(db.session, current_actor())


@blp.route("/financing/advances/<int:advance_id>/decision")
class Decide(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, AdvanceSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, advance_id):
        """Approve (and disburse) or decline an advance in review, with the reason the merchant is told"""
        return queries.advance_view(db.session, service.decide(db.session, current_actor(), advance_id, **body))


@blp.route("/financing/advances/<int:advance_id>/write-off")
class WriteOff(MethodView):
    @blp.arguments(ReasonOnlySchema)
    @blp.response(200, AdvanceSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, advance_id):
        """Write off what a defaulted advance still owes (platform admins)"""
        return queries.advance_view(db.session, service.write_off(db.session, current_actor(), advance_id, **body))
