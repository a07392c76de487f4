"""Stores, their weekly hours and staff, and the communities they apply to serve."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, created_at, intpk, utcnow
from core.timeutil import to_local
from identity.models import User


class Fulfilment(StrEnum):
    PICKUP = "pickup"  # the resident collects at the store
    DELIVERY = "delivery"  # the store delivers within the community
    BOTH = "both"


class StoreStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # by the platform: gone from every community at once


class StaffRole(StrEnum):
    OWNER = "owner"  # everything, including staff, coupons, refunds and settlements
    STAFF = "staff"  # products, stock and orders


class ServiceStatus(StrEnum):
    """A store's standing in one community: its application and what became of it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"  # by the community's managers: gone from that community at once
    WITHDRAWN = "withdrawn"


LIVE_SERVICE = (ServiceStatus.PENDING, ServiceStatus.APPROVED, ServiceStatus.SUSPENDED)


class Store(Base):
    """A merchant's business; it sells to the residents of the communities that approved it."""

    __tablename__ = "stores"
    __table_args__ = (
        CheckConstraint("delivery_fee >= 0 AND min_order >= 0", name="fees_not_negative"),
        CheckConstraint("rating_count >= 0 AND rating_total >= 0", name="ratings_not_negative"),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(80))
    licence_number: Mapped[str] = mapped_column(String(40))
    contact_name: Mapped[str] = mapped_column(String(60))
    contact_phone: Mapped[str] = mapped_column(String(20))
    # The store's trade (category slugs); the first one picks the commission rates.
    categories: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(1000))
    address: Mapped[str | None] = mapped_column(String(255))
    latitude: Mapped[float | None] = mapped_column(Float)  # where couriers collect (the community's point if unset)
    longitude: Mapped[float | None] = mapped_column(Float)
    preparation_minutes: Mapped[int] = mapped_column(default=15)  # from ready-to-cook to ready-to-collect
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    fulfilment: Mapped[str] = mapped_column(String(10), default=Fulfilment.PICKUP)
    delivery_fee: Mapped[int] = mapped_column(default=0)
    min_order: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(20), default=StoreStatus.ACTIVE)
    suspended_reason: Mapped[str | None] = mapped_column(String(255))
    rating_total: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    opening_hours: Mapped[list[StoreHours]] = relationship(
        lazy="selectin", cascade="all, delete-orphan",
        order_by=lambda: (StoreHours.weekday, StoreHours.opens_minute),
    )

    @property
    def category(self) -> str:
        return self.categories[0] if self.categories else "*"

    @property
    def rating(self) -> float | None:
        return round(self.rating_total / self.rating_count, 2) if self.rating_count else None

    @property
    def delivers(self) -> bool:
        return self.fulfilment in (Fulfilment.DELIVERY, Fulfilment.BOTH)

    @property
    def offers_pickup(self) -> bool:
        return self.fulfilment in (Fulfilment.PICKUP, Fulfilment.BOTH)

    def is_open_at(self, moment: datetime) -> bool:
        """Within the weekly hours, in the store's own time zone; a store with no hours never closes."""
        if not self.opening_hours:
            return True
        local = to_local(moment, self.timezone)
        minute = local.hour * 60 + local.minute
        return any(h.weekday == local.isoweekday() and h.opens_minute <= minute < h.closes_minute
                   for h in self.opening_hours)

    @property
    def open_now(self) -> bool:
        return self.is_open_at(utcnow())


class StoreHours(Base):
    """One opening interval on a weekday, in the store's time zone; no rows means always open."""

    __tablename__ = "store_hours"

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # ISO: 1 Monday .. 7 Sunday
    opens_minute: Mapped[int] = mapped_column(SmallInteger)
    closes_minute: Mapped[int] = mapped_column(SmallInteger)


class StoreStaff(Base):
    """A user's account at a store, as its owner or as staff."""

    __tablename__ = "store_staff"
    __table_args__ = (UniqueConstraint("store_id", "user_id"),)

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)


class StoreCommunity(Base):
    """A store's application to serve a community, decided by its managers, and its standing there."""

    __tablename__ = "store_communities"
    __table_args__ = (
        # One live application per store and community; rejected and withdrawn ones stay as history.
        Index(
            "uq_store_communities_live",
            "store_id",
            "community_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'approved', 'suspended')"),
            sqlite_where=text("status IN ('pending', 'approved', 'suspended')"),
        ),
        Index("ix_store_communities_community_status", "community_id", "status"),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=ServiceStatus.PENDING)
    message: Mapped[str | None] = mapped_column(String(500))
    reason: Mapped[str | None] = mapped_column(String(255))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    store: Mapped[Store] = relationship(lazy="joined", innerjoin=True)
