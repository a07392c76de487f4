"""Inbox entries and per-kind preferences."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, created_at, intpk


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # A job that runs twice delivers once.
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notifications_inbox", "user_id", "id"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    dedupe_key: Mapped[str] = mapped_column(String(160))
    read_at: Mapped[datetime | None]
    created_at: Mapped[created_at]


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    in_app: Mapped[bool] = mapped_column(default=True)
    push: Mapped[bool] = mapped_column(default=True)
