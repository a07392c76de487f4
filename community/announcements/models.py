"""Announcements, the buildings they target, and who has read them."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from community.models import Building
from core.models import Base, created_at, intpk


class AnnouncementState(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Announcement(Base):
    """A notice from the managers; no targeted buildings means the whole community."""

    __tablename__ = "announcements"
    __table_args__ = (
        Index("ix_announcements_community_publish_at", "community_id", "publish_at"),
        # The go-live job looks only at what it has not announced yet.
        Index(
            "ix_announcements_unnotified",
            "publish_at",
            postgresql_where=text("notified_at IS NULL"),
            sqlite_where=text("notified_at IS NULL"),
        ),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    emergency: Mapped[bool] = mapped_column(default=False)
    publish_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    buildings: Mapped[list[Building]] = relationship(
        secondary="announcement_buildings", lazy="selectin", order_by=Building.name
    )
    # The reader's own receipt, loaded per query with `with_expression`.
    read_at: Mapped[datetime | None] = query_expression()

    def state_at(self, now: datetime) -> str:
        if self.withdrawn_at is not None:
            return AnnouncementState.WITHDRAWN
        if self.publish_at > now:
            return AnnouncementState.SCHEDULED
        if self.expires_at is not None and self.expires_at <= now:
            return AnnouncementState.EXPIRED
        return AnnouncementState.LIVE

    def pinned_at(self, now: datetime) -> bool:
        return self.emergency and self.state_at(now) == AnnouncementState.LIVE


class AnnouncementBuilding(Base):
    __tablename__ = "announcement_buildings"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    building_id: Mapped[int] = mapped_column(
        ForeignKey("buildings.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AnnouncementRead(Base):
    """A read receipt: one per announcement and reader, however often they open it."""

    __tablename__ = "announcement_reads"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_at: Mapped[datetime]
