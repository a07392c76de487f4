"""Pickup points with their hosts, group deals, and the residents' joins held by payments."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, created_at, intpk
from identity.models import User


class DealStatus(StrEnum):
    OPEN = "open"  # residents join until the cut-off
    SUCCEEDED = "succeeded"  # enough joined: captured, orders created
    FAILED = "failed"  # too few joined: every hold released
    CANCELLED = "cancelled"  # by the merchant before the cut-off: every hold released


class JoinStatus(StrEnum):
    PENDING = "pending"  # waiting for the resident to authorise the payment
    AUTHORIZED = "authorized"  # the money is held: counts as a participant
    CAPTURED = "captured"  # the deal succeeded: the order exists
    CANCELLED = "cancelled"  # left, lapsed, or the deal failed: the hold was released


LIVE_JOIN = (JoinStatus.PENDING, JoinStatus.AUTHORIZED, JoinStatus.CAPTURED)


class PickupPoint(Base):
    """A place in a community where a host receives group orders and hands them out for a commission."""

    __tablename__ = "pickup_points"
    __table_args__ = (CheckConstraint("commission_bps >= 0 AND commission_bps <= 5000", name="commission_range"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    location: Mapped[str] = mapped_column(String(255))
    host_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    commission_bps: Mapped[int] = mapped_column(Integer)  # of each order's goods, in basis points
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]

    host: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class GroupDeal(Base):
    """A merchant's offer of one variant at a group price, if enough residents join by the cut-off."""

    __tablename__ = "group_deals"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("min_participants >= 1", name="min_participants_positive"),
        Index("ix_group_deals_status_cut_off_at", "status", "cut_off_at"),
        Index("ix_group_deals_community_id_status", "community_id", "status"),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="RESTRICT"))
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_points.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(120))
    price: Mapped[int]  # per unit, minor units
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    min_participants: Mapped[int] = mapped_column(Integer)
    max_quantity_per_resident: Mapped[int] = mapped_column(Integer, default=10)
    cut_off_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=DealStatus.OPEN)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    pickup_point: Mapped[PickupPoint] = relationship(lazy="joined", innerjoin=True)


class GroupJoin(Base):
    """A resident's place in a group deal, held by a manual-capture payment until the cut-off."""

    __tablename__ = "group_joins"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # One live join per resident and deal.
        Index(
            "uq_group_joins_live",
            "deal_id",
            "user_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'authorized', 'captured')"),
            sqlite_where=text("status IN ('pending', 'authorized', 'captured')"),
        ),
        Index("ix_group_joins_deal_id_status", "deal_id", "status"),
    )

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("group_deals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=JoinStatus.PENDING)
    payment_id: Mapped[int | None] = mapped_column(index=True)  # payments' id, a plain integer
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
