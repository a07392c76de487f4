"""Carts, checkout, the resident's orders, reviews and coupon wallet; the store's orders, refunds and coupons."""
from flask.views import MethodView

from commerce.api import blp
from commerce.orders import carts, checkout, coupons, queries, refunds, returns, reviews, service
from commerce.orders.models import OrderStatus
from commerce.orders.schemas import (
    CartLineInputSchema,
    CartQuerySchema,
    CartSchema,
    CheckoutSchema,
    CommunityCouponFilterSchema,
    CouponSchema,
    CouponUpdateSchema,
    OrderCancelSchema,
    OrderFilterSchema,
    OrderRefundCreateSchema,
    OrderRefundSchema,
    OrderSchema,
    PayableOrderSchema,
    PickupCodeSchema,
    ResidentCouponSchema,
    ReturnApproveSchema,
    ReturnCreateSchema,
    ReturnFilterSchema,
    ReturnRejectSchema,
    ReturnRequestSchema,
    ReviewCreateSchema,
    StoreCancelSchema,
    StoreOrderFilterSchema,
    StoreOrderSchema,
    StoreReviewSchema,
    WalletFilterSchema,
)
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.models import utcnow
from core.pagination import PageArgs, page_of, paginate

_CART = "/communities/<int:community_id>/stores/<int:store_id>/cart"
_MY_ORDER = "/communities/<int:community_id>/orders/<int:order_id>"
_STORE_ORDER = "/stores/<int:store_id>/orders/<int:order_id>"
_MY_RETURN = "/communities/<int:community_id>/returns/<int:return_id>"
_STORE_RETURN = "/stores/<int:store_id>/returns/<int:return_id>"


@blp.route(_CART)
class CartView(MethodView):
    @blp.arguments(CartQuerySchema, location="query")
    @blp.response(200, CartSchema)
    @blp.errors(401, 403, 404, 422)
    def get(self, args, community_id, store_id):
        """The resident's cart at a store, priced by the server: with ?coupon_code= tried, or else the best
        coupon of the resident's wallet, as checkout would apply it"""
        return carts.view_cart(db.session, current_actor(), community_id, store_id, **args)

    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, community_id, store_id):
        """Empty the cart"""
        carts.clear_cart(db.session, current_actor(), community_id, store_id)


@blp.route(f"{_CART}/lines")
class CartLines(MethodView):
    @blp.arguments(CartLineInputSchema)
    @blp.response(200, CartSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def put(self, body, community_id, store_id):
        """Set how many of a variant (in a slot, for a service) the cart holds; 0 takes it out"""
        actor = current_actor()
        carts.set_cart_line(db.session, actor, community_id, store_id, **body)
        return carts.view_cart(db.session, actor, community_id, store_id)


@blp.route("/communities/<int:community_id>/stores/<int:store_id>/checkout")
class Checkout(MethodView):
    @idempotent
    @blp.arguments(CheckoutSchema)
    @blp.response(201, PayableOrderSchema)
    @blp.errors(401, 403, 404, 409, 422, 502)
    def post(self, body, community_id, store_id):
        """Check out the cart: reserves its stock for 15 minutes and returns the order to pay (client_secret);
        without coupon_code, the best coupon of the resident's wallet is applied"""
        return checkout.checkout(db.session, current_actor(), community_id, store_id, **body)


@blp.route("/communities/<int:community_id>/stores/<int:store_id>/reviews")
class StoreReviews(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(StoreReviewSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, store_id, **page):
        """A store's reviews, newest first"""
        return paginate(db.session, queries.store_reviews(db.session, current_actor(), community_id, store_id),
                        page)


@blp.route("/communities/<int:community_id>/orders")
class MyOrders(MethodView):
    @blp.arguments(OrderFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(OrderSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """The resident's own orders in the community, newest first"""
        return paginate(db.session, queries.my_orders(current_actor(), community_id, **args), page)


@blp.route(_MY_ORDER)
class MyOrder(MethodView):
    @blp.response(200, PayableOrderSchema)
    @blp.errors(401, 404)
    def get(self, community_id, order_id):
        """One of the resident's orders, with its history (and its client_secret while unpaid)"""
        order = queries.get_my_order(db.session, current_actor(), community_id, order_id)
        return queries.with_client_secret(db.session, order)


@blp.route(f"{_MY_ORDER}/cancel")
class MyOrderCancel(MethodView):
    @blp.arguments(OrderCancelSchema)
    @blp.response(200, OrderSchema)
    @blp.errors(401, 404, 409, 422, 502)
    def post(self, body, community_id, order_id):
        """Cancel before the store accepts it: unpaid, it is dropped; paid, it is refunded in full"""
        return service.cancel_my_order(db.session, current_actor(), community_id, order_id, **body)


@blp.route(f"{_MY_ORDER}/confirm")
class MyOrderConfirm(MethodView):
    @blp.response(200, OrderSchema)
    @blp.errors(401, 404, 409)
    def post(self, community_id, order_id):
        """Confirm a delivered order was received (it completes)"""
        return service.confirm_receipt(db.session, current_actor(), community_id, order_id)


@blp.route(f"{_MY_ORDER}/review")
class MyOrderReview(MethodView):
    @idempotent
    @blp.arguments(ReviewCreateSchema)
    @blp.response(201, StoreReviewSchema)
    @blp.errors(401, 404, 409, 422)
    def post(self, body, community_id, order_id):
        """Review a completed order: the store's rating and words, and its products'"""
        return reviews.review_order(db.session, current_actor(), community_id, order_id, **body)


@blp.route("/stores/<int:store_id>/orders")
class StoreOrders(MethodView):
    @blp.arguments(StoreOrderFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(StoreOrderSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, store_id, **page):
        """The store's paid orders, newest first (its staff)"""
        return paginate(db.session, queries.store_orders(db.session, current_actor(), store_id, **args), page)


@blp.route(_STORE_ORDER)
class StoreOrder(MethodView):
    @blp.response(200, StoreOrderSchema)
    @blp.errors(401, 403, 404)
    def get(self, store_id, order_id):
        """One of the store's orders; who bought it and where only while it is active"""
        return queries.get_store_order(db.session, current_actor(), store_id, order_id)


def _step(to_status: str, summary: str):
    class Step(MethodView):
        @blp.response(200, StoreOrderSchema)
        @blp.errors(401, 403, 404, 409)
        def post(self, store_id, order_id):
            return service.advance_order(db.session, current_actor(), store_id, order_id, to_status=to_status)

    Step.post.__doc__ = summary
    Step.__name__ = f"StoreOrder{to_status.title().replace('_', '')}"
    return Step


blp.route(f"{_STORE_ORDER}/accept")(_step(OrderStatus.ACCEPTED, "Accept a paid order (its staff)"))
blp.route(f"{_STORE_ORDER}/ready")(_step(OrderStatus.READY, "Mark the order ready for pickup or delivery"))
blp.route(f"{_STORE_ORDER}/out-for-delivery")(
    _step(OrderStatus.OUT_FOR_DELIVERY, "Send a delivery order out (the store delivers it itself)"))
blp.route(f"{_STORE_ORDER}/delivered")(_step(OrderStatus.DELIVERED, "Mark a delivery order as handed over"))


@blp.route(f"{_STORE_ORDER}/pickup")
class StoreOrderPickup(MethodView):
    @blp.arguments(PickupCodeSchema)
    @blp.response(200, StoreOrderSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id, order_id):
        """Hand a pickup order over at the store, verifying the resident's pickup code"""
        return service.pick_up(db.session, current_actor(), store_id, order_id, **body)


@blp.route(f"{_STORE_ORDER}/cancel")
class StoreOrderCancel(MethodView):
    @blp.arguments(StoreCancelSchema)
    @blp.response(200, StoreOrderSchema)
    @blp.errors(401, 403, 404, 409, 422, 502)
    def post(self, body, store_id, order_id):
        """Cancel an order not yet sent out, with a reason: the resident is refunded in full"""
        return service.cancel_store_order(db.session, current_actor(), store_id, order_id, **body)


@blp.route(f"{_STORE_ORDER}/refunds")
class StoreOrderRefunds(MethodView):
    @idempotent
    @blp.arguments(OrderRefundCreateSchema)
    @blp.response(201, OrderRefundSchema)
    @blp.errors(401, 403, 404, 409, 422, 502)
    def post(self, body, store_id, order_id):
        """Refund part or all of an order, by amount or by line units (owners)"""
        return refunds.refund_order(db.session, current_actor(), store_id, order_id, **body)


@blp.route("/stores/<int:store_id>/coupons")
class StoreCoupons(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(CouponSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, store_id, **page):
        """The store's coupons and how often each was redeemed (owners)"""
        return paginate(db.session, queries.store_coupons(db.session, current_actor(), store_id), page)

    @idempotent
    @blp.arguments(CouponSchema)
    @blp.response(201, CouponSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id):
        """Offer a coupon: fixed or percent off, minimum spend, limits, window, products or categories (owners)"""
        return coupons.create_coupon(db.session, current_actor(), store_id, **body)


@blp.route("/stores/<int:store_id>/coupons/<int:coupon_id>")
class StoreCoupon(MethodView):
    @blp.arguments(CouponUpdateSchema)
    @blp.response(200, CouponSchema)
    @blp.errors(401, 403, 404, 422)
    def patch(self, body, store_id, coupon_id):
        """Change a coupon's window or limits, or switch it off (owners)"""
        return coupons.update_coupon(db.session, current_actor(), store_id, coupon_id, **body)


@blp.route("/communities/<int:community_id>/coupons")
class CommunityCoupons(MethodView):
    @blp.arguments(CommunityCouponFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ResidentCouponSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """The coupons residents can claim from the stores serving the community, newest first"""
        actor, now = current_actor(), utcnow()
        found = paginate(db.session, queries.claimable_coupons(actor, community_id, now=now, **args), page)
        return {**found, "items": queries.as_resident_sees(db.session, actor, found["items"], now)}


@blp.route("/communities/<int:community_id>/stores/<int:store_id>/coupons")
class StoreCouponsForResidents(MethodView):
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ResidentCouponSchema))
    @blp.errors(401, 404, 422)
    def get(self, community_id, store_id, **page):
        """The coupons residents can claim from one store serving the community, newest first"""
        actor, now = current_actor(), utcnow()
        found = paginate(db.session, queries.store_claimable_coupons(db.session, actor, community_id, store_id,
                                                                     now=now), page)
        return {**found, "items": queries.as_resident_sees(db.session, actor, found["items"], now)}


@blp.route("/communities/<int:community_id>/coupons/<int:coupon_id>/claim")
class ClaimCoupon(MethodView):
    @blp.response(201, ResidentCouponSchema)
    @blp.alt_response(200, schema=ResidentCouponSchema, description="It was already in the wallet")
    @blp.errors(401, 403, 404, 409)
    def post(self, community_id, coupon_id):
        """Claim a coupon into the resident's wallet, once; checkout then applies it by itself (residents)"""
        actor = current_actor()
        coupon, created = coupons.claim_coupon(db.session, actor, community_id, coupon_id)
        return queries.as_resident_sees(db.session, actor, [coupon], utcnow())[0], 201 if created else 200


@blp.route("/me/coupons")
class MyCoupons(MethodView):
    @blp.arguments(WalletFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ResidentCouponSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, **page):
        """The resident's coupon wallet, last claimed first (filter by community, store or state)"""
        actor, now = current_actor(), utcnow()
        found = paginate(db.session, queries.wallet(actor, now=now, **args), page)
        return {**found, "items": queries.as_resident_sees(db.session, actor, found["items"], now)}


@blp.route(f"{_MY_ORDER}/returns")
class MyOrderReturns(MethodView):
    @idempotent
    @blp.arguments(ReturnCreateSchema)
    @blp.response(201, ReturnRequestSchema)
    @blp.errors(401, 404, 409, 422)
    def post(self, body, community_id, order_id):
        """Ask for lines of a delivered order back (售后), within 7 days of delivery"""
        return returns.request_return(db.session, current_actor(), community_id, order_id, **body)


@blp.route("/communities/<int:community_id>/returns")
class MyReturns(MethodView):
    @blp.arguments(ReturnFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ReturnRequestSchema))
    @blp.errors(401, 404, 422)
    def get(self, args, community_id, **page):
        """The resident's own return requests, newest first"""
        return paginate(db.session, queries.my_returns(current_actor(), community_id, **args), page)


@blp.route(_MY_RETURN)
class MyReturn(MethodView):
    @blp.response(200, ReturnRequestSchema)
    @blp.errors(401, 404)
    def get(self, community_id, return_id):
        """One of the resident's return requests, with its history"""
        return queries.get_my_return(db.session, current_actor(), community_id, return_id)


@blp.route(f"{_MY_RETURN}/withdraw")
class MyReturnWithdraw(MethodView):
    @blp.response(200, ReturnRequestSchema)
    @blp.errors(401, 404, 409)
    def post(self, community_id, return_id):
        """Withdraw an open return request"""
        return returns.withdraw_return(db.session, current_actor(), community_id, return_id)


@blp.route("/stores/<int:store_id>/returns")
class StoreReturns(MethodView):
    @blp.arguments(ReturnFilterSchema, location="query")
    @blp.arguments(PageArgs, location="query", as_kwargs=True)
    @blp.response(200, page_of(ReturnRequestSchema))
    @blp.errors(401, 403, 404, 422)
    def get(self, args, store_id, **page):
        """The store's return requests, open ones first (its staff)"""
        return paginate(db.session, queries.store_returns(db.session, current_actor(), store_id, **args), page)


@blp.route(_STORE_RETURN)
class StoreReturn(MethodView):
    @blp.response(200, ReturnRequestSchema)
    @blp.errors(401, 403, 404)
    def get(self, store_id, return_id):
        """One of the store's return requests (its staff)"""
        return queries.get_store_return(db.session, current_actor(), store_id, return_id)


@blp.route(f"{_STORE_RETURN}/approve")
class StoreReturnApprove(MethodView):
    @blp.arguments(ReturnApproveSchema)
    @blp.response(200, ReturnRequestSchema)
    @blp.errors(401, 403, 404, 409, 422, 502)
    def post(self, body, store_id, return_id):
        """Approve a return: the lines are refunded, and restocked if asked (owners)"""
        return returns.approve_return(db.session, current_actor(), store_id, return_id, **body)


@blp.route(f"{_STORE_RETURN}/reject")
class StoreReturnReject(MethodView):
    @blp.arguments(ReturnRejectSchema)
    @blp.response(200, ReturnRequestSchema)
    @blp.errors(401, 403, 404, 409, 422)
    def post(self, body, store_id, return_id):
        """Reject a return with a reason (its staff)"""
        return returns.reject_return(db.session, current_actor(), store_id, return_id, **body)
