"""Carts, coupons with their claims and redemptions, orders with their lines, history and refunds, reviews."""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commerce.groupbuy import models as _groupbuy  # noqa: F401  (orders refer to group deals and pickup points)
from commerce.stores.models import Store
from core.i18n import N_
from core.models import Base, UTCDateTime, created_at, intpk, utcnow


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"  # stock reserved until `reserved_until`
    PAID = "paid"
    ACCEPTED = "accepted"  # by the merchant
    READY = "ready"  # for pickup, or to go out for delivery
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"  # handed over (or collected with the pickup code)
    COMPLETED = "completed"  # confirmed by the resident, or automatically after a window
    CANCELLED = "cancelled"
    REFUNDED = "refunded"  # everything paid was refunded


# Orders the merchant is working on: only these show the merchant who bought and where they live.
ACTIVE = (OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.READY, OrderStatus.OUT_FOR_DELIVERY,
          OrderStatus.DELIVERED)
# Orders whose goods were paid for and may be (partly) refunded.
REFUNDABLE = (*ACTIVE, OrderStatus.COMPLETED)
# After-sales (售后), as China's 7-day no-reason returns (七天无理由退货): counted from delivery or pickup.
RETURN_WINDOW = timedelta(days=7)
RETURNABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


class CouponKind(StrEnum):
    FIXED = "fixed"  # `value` minor units off
    PERCENT = "percent"  # `value` percent off


class Cart(Base):
    """A resident's cart at one store, for one of their communities."""

    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("user_id", "store_id", "community_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=lambda: CartLine.id,
    )


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[intpk]
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("service_slots.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)


class Coupon(Base):
    """A store's discount code; `redeemed` counts live redemptions and never exceeds `total_limit`.

    A claimable coupon is also listed for the residents the store serves, who claim it into their
    wallet (`CouponClaim`): then `total_limit` is how many residents can hold it (`claimed`), each
    holder uses it once at a time (`per_resident_limit` is 1), and typing its code claims it on
    the way, so every redemption is a holder's and `redeemed <= claimed <= total_limit`.
    """

    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("store_id", "code"),
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("redeemed >= 0 AND (total_limit IS NULL OR redeemed <= total_limit)",
                        name="redeemed_within_limit"),
        CheckConstraint("claimed >= 0 AND (total_limit IS NULL OR claimed <= total_limit)",
                        name="claimed_within_limit"),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[int]
    min_spend: Mapped[int] = mapped_column(default=0)
    per_resident_limit: Mapped[int | None] = mapped_column(Integer)
    total_limit: Mapped[int | None] = mapped_column(Integer)
    redeemed: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    # Empty lists mean the whole store; otherwise only lines of these products or categories count.
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    category_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    claimable: Mapped[bool] = mapped_column(default=False, server_default=false())
    claimed: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[created_at]

    store: Mapped[Store] = relationship()

    @property
    def left(self) -> int | None:
        """How many more residents can claim it (claimable), or redeem it (code-only); None: no limit."""
        if self.total_limit is None:
            return None
        return self.total_limit - (self.claimed if self.claimable else self.redeemed)


class CouponClaim(Base):
    """A claimable coupon in a resident's wallet: claimed once, used by one live order at a time."""

    __tablename__ = "coupon_claims"
    __table_args__ = (
        UniqueConstraint("coupon_id", "user_id"),
        Index("ix_coupon_claims_user_id_id", "user_id", "id"),
    )

    id: Mapped[intpk]
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[created_at]


class CouponRedemption(Base):
    """A coupon used by an order; released (and so counted no more) when the order is cancelled."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (Index("ix_coupon_redemptions_coupon_id_user_id", "coupon_id", "user_id"),)

    id: Mapped[intpk]
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    discount: Mapped[int]
    released_at: Mapped[datetime | None]
    created_at: Mapped[created_at]


class Order(Base):
    """One resident's purchase from one store, with the amounts the server computed."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("subtotal >= 0 AND discount >= 0 AND delivery_fee >= 0 AND total >= 0", name="amounts"),
        CheckConstraint("refunded >= 0 AND refunded <= total", name="refunded_within_total"),
        Index("ix_orders_user_id_created_at", "user_id", "created_at"),
        Index("ix_orders_store_id_status", "store_id", "status"),
        Index("ix_orders_status_reserved_until", "status", "reserved_until"),
        Index("ix_orders_status_delivered_at", "status", "delivered_at"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.AWAITING_PAYMENT)
    fulfilment: Mapped[str] = mapped_column(String(10))  # pickup or delivery
    # Who and where, copied at checkout: shown to the merchant only while the order is active.
    recipient_name: Mapped[str] = mapped_column(String(80))
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
    delivery_address: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(500))
    subtotal: Mapped[int]
    discount: Mapped[int] = mapped_column(default=0)
    delivery_fee: Mapped[int] = mapped_column(default=0)
    total: Mapped[int]
    refunded: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    coupon_code: Mapped[str | None] = mapped_column(String(32))
    # The payment's id in payments (a plain integer: commerce's tables do not depend on that floor's).
    payment_id: Mapped[int | None] = mapped_column(index=True)
    reserved_until: Mapped[datetime | None]
    pickup_code: Mapped[str | None] = mapped_column(String(8))
    group_deal_id: Mapped[int | None] = mapped_column(ForeignKey("group_deals.id", ondelete="RESTRICT"), index=True)
    pickup_point_id: Mapped[int | None] = mapped_column(ForeignKey("pickup_points.id", ondelete="RESTRICT"))
    # The pickup point host's commission, taken from the store's share when the order was paid.
    host_commission: Mapped[int] = mapped_column(default=0)
    pickup_host_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(String(255))
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(lazy="selectin", order_by=lambda: OrderLine.id)
    history: Mapped[list[OrderEvent]] = relationship(lazy="selectin", order_by=lambda: OrderEvent.id)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def returnable_until(self) -> datetime | None:
        """Until when the resident may ask for lines back (None: not a delivered order)."""
        if self.status not in RETURNABLE or self.delivered_at is None:
            return None
        return self.delivered_at + RETURN_WINDOW


class OrderLine(Base):
    """A product bought, with the name and price it had then; `discount` is its share of the coupon."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refunded_within_quantity"),
    )

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="RESTRICT"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("service_slots.id", ondelete="RESTRICT"), index=True)
    slot_starts_at: Mapped[datetime | None]
    product_name: Mapped[str] = mapped_column(String(120))
    variant_name: Mapped[str] = mapped_column(String(80))
    sku: Mapped[str] = mapped_column(String(64))
    unit_price: Mapped[int]
    quantity: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(default=0)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded: Mapped[int] = mapped_column(default=0)

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity - self.discount


class OrderEvent(Base):
    """One step of an order's history: who moved it from which status to which, and why."""

    __tablename__ = "order_events"

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]


class OrderRefund(Base):
    """A refund the merchant granted on an order: an amount, or lines; `payment_refund_id` is payments'."""

    __tablename__ = "order_refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    lines: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"line_id", "quantity", "amount"}]
    payment_refund_id: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class StoreReview(Base):
    """A resident's rating and words on the store of a completed order (one per order)."""

    __tablename__ = "store_reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_store_reviews_store_id_created_at", "store_id", "created_at"),
    )

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[created_at]


class ProductReview(Base):
    """A resident's rating and words on one product of a completed order."""

    __tablename__ = "product_reviews"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_product_reviews_product_id_created_at", "product_id", "created_at"),
    )

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[created_at]



class ReturnStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the store
    APPROVED = "approved"  # refunded (and the goods restocked when the store says so)
    REJECTED = "rejected"  # by the store, with its reason
    WITHDRAWN = "withdrawn"  # by the resident


class ReturnKind(StrEnum):
    REFUND_ONLY = "refund_only"  # nothing to send back: spoiled fruit, a missing item
    RETURN_AND_REFUND = "return_and_refund"  # the goods go back to the store


# The reasons a resident picks from, and how the store reads them (msgids, shown translated).
REASON_LABELS = {
    "damaged": N_("damaged in delivery"), "spoiled": N_("spoiled or past its date"),
    "wrong_item": N_("not what was ordered"), "missing_item": N_("missing from the order"),
    "not_as_described": N_("not as described"), "changed_mind": N_("no longer wanted"), "other": N_("other"),
}
RETURN_REASONS = tuple(REASON_LABELS)


class ReturnRequest(Base):
    """A resident's after-sales request (售后) on a delivered order: lines, why, and the store's answer."""

    __tablename__ = "return_requests"
    __table_args__ = (
        # One open request per order: the order's row lock keeps to it, this index is the last guard.
        Index("uq_return_requests_open_per_order", "order_id", unique=True,
              postgresql_where=text("status = 'requested'"), sqlite_where=text("status = 'requested'")),
        Index("ix_return_requests_store_id_status", "store_id", "status"),
        Index("ix_return_requests_user_id_community_id", "user_id", "community_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[intpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="RESTRICT"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(String(500))
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What was asked back, as the lines stood: [{"line_id", "quantity", "product_name", "variant_name", "amount"}]
    lines: Mapped[list[dict]] = mapped_column(JSON, default=list)
    amount: Mapped[int]  # what the lines would refund when asked; the refund itself is computed on approval
    status: Mapped[str] = mapped_column(String(12), default=ReturnStatus.REQUESTED)
    decision_note: Mapped[str | None] = mapped_column(String(200))
    restocked: Mapped[bool] = mapped_column(default=False)
    order_refund_id: Mapped[int | None] = mapped_column(ForeignKey("order_refunds.id", ondelete="SET NULL"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    history: Mapped[list[ReturnEvent]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=lambda: ReturnEvent.id,
    )


class ReturnEvent(Base):
    """One step of a return request's history."""

    __tablename__ = "return_events"

    id: Mapped[intpk]
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]
