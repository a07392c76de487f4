"""Parcels the gate or the property office receives for a unit, until the household collects them."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.models import Unit
from core.models import Base, intpk, utcnow


class ParcelStatus(StrEnum):
    WAITING = "waiting"
    COLLECTED = "collected"


class Parcel(Base):
    __tablename__ = "parcels"
    __table_args__ = (
        # A pickup code names one waiting parcel of the community; collected ones free their code.
        Index(
            "uq_parcels_waiting_pickup_code",
            "community_id",
            "pickup_code",
            unique=True,
            postgresql_where=text("collected_at IS NULL"),
            sqlite_where=text("collected_at IS NULL"),
        ),
        # Spent codes are looked up too ("already collected"; not handed out again for a while).
        Index("ix_parcels_community_pickup_code", "community_id", "pickup_code"),
        Index("ix_parcels_community_arrived_at", "community_id", "arrived_at"),
        Index("ix_parcels_unit_id", "unit_id", "id"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(40))
    shelf: Mapped[str | None] = mapped_column(String(40))
    pickup_code: Mapped[str] = mapped_column(String(6))
    logged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    arrived_at: Mapped[datetime] = mapped_column(default=utcnow)
    collected_at: Mapped[datetime | None]
    collector_name: Mapped[str | None] = mapped_column(String(60))
    handed_over_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_on: Mapped[date | None]  # the community's local day of the last reminder

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    @property
    def status(self) -> ParcelStatus:
        return ParcelStatus.WAITING if self.collected_at is None else ParcelStatus.COLLECTED
