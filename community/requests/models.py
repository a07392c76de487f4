"""Service requests and what surrounds them: categories, history, comments, quotas, settings."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.models import Building, Unit
from core.models import Base, created_at, intpk, utcnow
from identity.models import User


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DECLINED = "declined"


OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.ON_HOLD)


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"


class LocationKind(StrEnum):
    UNIT = "unit"
    COMMON_AREA = "common_area"
    POINT = "point"


class Source(StrEnum):
    APP = "app"
    OPEN311 = "open311"


class RequestCategory(Base):
    """What a request is about, with its extra fields, who handles it and how fast (SLA)."""

    __tablename__ = "service_request_categories"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(500))
    group: Mapped[str | None] = mapped_column(String(60))
    is_emergency: Mapped[bool] = mapped_column(default=False, server_default=false())
    # [{code, label, type, required, options: [{key, name}], hint}] in display order
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    assignee_role: Mapped[str] = mapped_column(String(20), default="maintenance")
    default_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    auto_assign: Mapped[bool] = mapped_column(default=True, server_default=true())
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[created_at]


class ServiceRequest(Base):
    """One resident's (or an Open311 client's) report, from filing to closing."""

    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_queue", "community_id", "status", "created_at"),
        Index("ix_service_requests_category_status", "category_id", "status"),
        Index("ix_service_requests_assignee_status", "assignee_id", "status"),
        Index("ix_service_requests_requester", "requester_id", "community_id"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_request_categories.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(20), default=Source.APP)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    open311_key_id: Mapped[int | None] = mapped_column(ForeignKey("open311_api_keys.id", ondelete="SET NULL"))
    # Contact an Open311 client gave for its reporter (who has no account here).
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    location_kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="SET NULL"), index=True)
    place: Mapped[str | None] = mapped_column(String(255))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    visit_from: Mapped[datetime | None]
    visit_to: Mapped[datetime | None]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    hold_until: Mapped[date | None] = mapped_column(Date)
    held_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_response_due_at: Mapped[datetime]
    resolution_due_at: Mapped[datetime]
    first_responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    first_response_breached_at: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_at: Mapped[created_at]

    category: Mapped[RequestCategory] = relationship(lazy="joined", innerjoin=True)
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    unit: Mapped[Unit | None] = relationship()
    building: Mapped[Building | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def breached(self) -> bool:
        return self.first_response_breached_at is not None or self.resolution_breached_at is not None


class RequestEvent(Base):
    """One change in a request's life: who, when, from which status to which, and why."""

    __tablename__ = "service_request_events"
    __table_args__ = (Index("ix_service_request_events_request", "request_id", "id"),)

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]

    actor: Mapped[User | None] = relationship()


class RequestComment(Base):
    __tablename__ = "service_request_comments"
    __table_args__ = (Index("ix_service_request_comments_request", "request_id", "id"),)

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(String(2000))
    internal: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[created_at]

    author: Mapped[User | None] = relationship()


class DailyFilingCount(Base):
    """How many requests one filer (`user:<id>` or `key:<id>`) filed on one local day.

    The abuse limit is enforced by a conditional upsert on this row, which holds under
    simultaneous filings where counting the day's requests would not.
    """

    __tablename__ = "service_request_daily_counts"
    __table_args__ = (UniqueConstraint("community_id", "filer", "day"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    filer: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)


class RequestSettings(Base):
    """A community's knobs for service requests; a community without a row uses the defaults."""

    __tablename__ = "service_request_settings"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    daily_limit_per_resident: Mapped[int] = mapped_column(Integer)
    daily_limit_per_open311_key: Mapped[int] = mapped_column(Integer)
    reopen_window_hours: Mapped[int] = mapped_column(Integer)
    duplicate_radius_m: Mapped[int] = mapped_column(Integer)

