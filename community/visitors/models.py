"""Visitor passes a resident issues, and the entries guards record against them."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.models import Unit
from core.models import Base, created_at, intpk, utcnow
from identity.models import User


class PassStatus(StrEnum):
    UPCOMING = "upcoming"
    ACTIVE = "active"
    USED_UP = "used_up"
    EXPIRED = "expired"
    REVOKED = "revoked"


class VisitorPass(Base):
    __tablename__ = "visitor_passes"
    __table_args__ = (
        # Codes are never reused within a community, so an old code cannot open a new pass.
        UniqueConstraint("community_id", "code"),
        CheckConstraint("entries_used >= 0 AND entries_used <= entries_allowed", name="entries_within_allowance"),
        CheckConstraint("valid_until > valid_from", name="window_is_ordered"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    visitor_name: Mapped[str] = mapped_column(String(60))
    visitor_phone: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    entries_allowed: Mapped[int]
    entries_used: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    @property
    def entries_remaining(self) -> int:
        return self.entries_allowed - self.entries_used

    def status_at(self, now: datetime) -> PassStatus:
        """Why a pass would be refused now, in the order a guard should hear it (or ACTIVE)."""
        if self.revoked_at is not None:
            return PassStatus.REVOKED
        if now >= self.valid_until:
            return PassStatus.EXPIRED
        if self.entries_used >= self.entries_allowed:
            return PassStatus.USED_UP
        if now < self.valid_from:
            return PassStatus.UPCOMING
        return PassStatus.ACTIVE


class VisitorEntry(Base):
    """One admission through the gate, recorded by the guard who checked the pass."""

    __tablename__ = "visitor_entries"

    id: Mapped[intpk]
    pass_id: Mapped[int] = mapped_column(ForeignKey("visitor_passes.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    guard_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    guard: Mapped[User | None] = relationship(lazy="joined")
    visitor_pass: Mapped[VisitorPass] = relationship()
