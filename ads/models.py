"""Ads' tables: a store's campaigns and each targeted community's review of them."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, UTCDateTime, created_at, intpk


class Pricing(StrEnum):
    CPC = "cpc"  # the bid is per click
    CPM = "cpm"  # the bid is per 1,000 impressions


class Objective(StrEnum):
    ORDERS = "orders"
    STORE_VISITS = "store_visits"
    COUPON_CLAIMS = "coupon_claims"


class ReviewStatus(StrEnum):
    PENDING = "pending"  # waiting for the community's managers (again after an edit)
    APPROVED = "approved"
    REJECTED = "rejected"


class Campaign(Base):
    __tablename__ = "ad_campaigns"
    __table_args__ = (
        CheckConstraint("pricing IN ('cpc', 'cpm')", name="pricing_known"),
        CheckConstraint("bid > 0 AND daily_budget >= bid", name="bid_within_daily_budget"),
        CheckConstraint("total_budget IS NULL OR total_budget >= daily_budget", name="total_covers_a_day"),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    objective: Mapped[str] = mapped_column(String(20))
    pricing: Mapped[str] = mapped_column(String(3))
    bid: Mapped[int]  # fen per click, or per 1,000 impressions
    daily_budget: Mapped[int]
    total_budget: Mapped[int | None]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dayparts: Mapped[list[int]] = mapped_column(JSON, default=list)  # local hours it serves in; [] all day
    creative: Mapped[dict] = mapped_column(JSON)  # {title, text, image_url, link: {kind, id}}
    targeting: Mapped[dict] = mapped_column(JSON)  # {community_ids, building_ids, radius_m}
    frequency_cap: Mapped[dict] = mapped_column(JSON)  # {"impressions": N, "per": "day"}, per resident
    paused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reviews: Mapped[list[CampaignReview]] = relationship(lazy="selectin", order_by=lambda: CampaignReview.community_id,
                                                         cascade="all, delete-orphan")


class CampaignReview(Base):
    """A targeted community's decision on a campaign; it serves there only when approved."""

    __tablename__ = "ad_campaign_reviews"
    __table_args__ = (UniqueConstraint("campaign_id", "community_id"),
                      CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"))

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ad_campaigns.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(String(255))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
