"""Logistics' tables: couriers (with a location kept only while on duty and with consent) and the
delivery tasks that orders ready for delivery become."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime, created_at, intpk


class Vehicle(StrEnum):
    FOOT = "foot"
    BIKE = "bike"
    EBIKE = "ebike"


class Courier(Base):
    """A user who delivers in the communities it works in (`CourierCommunity`), for the platform
    (`store_id` None) or for one store."""

    __tablename__ = "couriers"
    __table_args__ = (
        CheckConstraint("vehicle IN ('foot', 'bike', 'ebike')", name="vehicle_known"),
        CheckConstraint("capacity BETWEEN 1 AND 50", name="capacity_range"),
        # A location only with consent and on duty (PIPL Art. 28: sensitive personal information).
        CheckConstraint("(latitude IS NULL AND longitude IS NULL) OR (on_duty AND location_consent)",
                        name="location_only_on_duty_with_consent"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    vehicle: Mapped[str] = mapped_column(String(10), default=Vehicle.EBIKE)
    capacity: Mapped[int] = mapped_column(default=5)  # orders carried at once
    max_weight_grams: Mapped[int | None]  # what the vehicle carries; None: no limit set
    active: Mapped[bool] = mapped_column(default=True)
    on_duty: Mapped[bool] = mapped_column(default=False)
    location_consent: Mapped[bool] = mapped_column(default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    located_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[created_at]


class CourierCommunity(Base):
    """A community a courier works in, enrolled by its manager."""

    __tablename__ = "courier_communities"
    __table_args__ = (UniqueConstraint("courier_id", "community_id"),)

    id: Mapped[intpk]
    courier_id: Mapped[int] = mapped_column(ForeignKey("couriers.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created_at]


class TaskStatus(StrEnum):
    OPEN = "open"  # waiting for dispatch
    OFFERED = "offered"  # dispatched to a courier, who has OFFER_SECONDS to accept
    ACCEPTED = "accepted"  # on the courier's route, to collect at the store
    PICKED_UP = "picked_up"  # on its way to the resident
    DELIVERED = "delivered"
    FAILED = "failed"  # nobody took it at the door; the store decides what follows
    CANCELLED = "cancelled"  # its order was cancelled


ACTIVE_TASKS = (TaskStatus.OFFERED, TaskStatus.ACCEPTED, TaskStatus.PICKED_UP)


class DeliveryTask(Base):
    """One order to carry from its store to the resident's building, or a group deal's ready orders to
    its pickup point (a haul), within a promised window."""

    __tablename__ = "delivery_tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'offered', 'accepted', 'picked_up', 'delivered', 'failed', "
                        "'cancelled')", name="status_known"),
        CheckConstraint("courier_id IS NOT NULL OR status IN ('open', 'cancelled')", name="courier_when_assigned"),
        CheckConstraint("(kind = 'order' AND order_id IS NOT NULL) OR (kind = 'haul' AND group_deal_id IS NOT NULL)",
                        name="kind_has_its_goods"),
        Index("ix_delivery_tasks_community_status", "community_id", "status"),
        Index("ix_delivery_tasks_courier_status", "courier_id", "status"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(10), default="order")  # "order" or "haul"
    # An order to the resident's door; or, for a haul, None and the group deal whose ready orders it
    # carries to the deal's pickup point (`order_ids`).
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    group_deal_id: Mapped[int | None] = mapped_column(ForeignKey("group_deals.id", ondelete="CASCADE"), index=True)
    order_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    handover_code: Mapped[str | None] = mapped_column(String(8))  # a haul's proof, shown to the point's host
    weight_grams: Mapped[int] = mapped_column(default=0)  # what the goods weigh, as far as their variants say
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.OPEN)
    courier_id: Mapped[int | None] = mapped_column(ForeignKey("couriers.id", ondelete="SET NULL"))
    pickup_latitude: Mapped[float] = mapped_column(Float)
    pickup_longitude: Mapped[float] = mapped_column(Float)
    drop_latitude: Mapped[float] = mapped_column(Float)
    drop_longitude: Mapped[float] = mapped_column(Float)
    drop_label: Mapped[str] = mapped_column(String(120))  # building and unit, as the courier reads it
    fee: Mapped[int]  # what the courier earns, from the order's delivery fee
    currency: Mapped[str] = mapped_column(String(3))
    promised_by: Mapped[datetime] = mapped_column(UTCDateTime)
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    route_position: Mapped[int | None]  # the stop's place on the courier's route (its delivery stop)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by: Mapped[list[int]] = mapped_column(JSON, default=list)  # couriers not to offer it again
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[created_at]
