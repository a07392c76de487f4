"""Financing's tables: offers made to stores from their score, the advances they accept, and every
repayment, each tied to the ledger entry that moved the money."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime, created_at, intpk


class OfferStatus(StrEnum):
    OPEN = "open"  # may be accepted until it expires
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"  # a newer score or newer sales made another offer
    EXPIRED = "expired"


class FinancingOffer(Base):
    """What a store may borrow: up to `max_amount` for a fixed fee (`fee_bp` of the amount, never
    compounding), repaid by withholding `remittance_bp` of each settlement, at least
    `min_repayment_bp` of what is due every `period_days`."""

    __tablename__ = "financing_offers"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'accepted', 'superseded', 'expired')", name="status_known"),
        CheckConstraint("min_amount > 0 AND max_amount >= min_amount", name="amounts_positive"),
        # One open offer per store: recomputing an offer supersedes the last.
        Index("uq_financing_offers_open", "store_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="RESTRICT"), index=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("risk_store_scores.id", ondelete="RESTRICT"))
    band: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    monthly_sales: Mapped[int]  # the trailing average the amount was sized from
    min_amount: Mapped[int]
    max_amount: Mapped[int]
    fee_bp: Mapped[int]  # basis points of the amount borrowed, charged once
    remittance_bp: Mapped[int]  # basis points of each settlement withheld until repaid
    min_repayment_bp: Mapped[int]  # basis points of the total due, at least, per period
    period_days: Mapped[int]
    auto_limit: Mapped[int]  # up to this much is decided without a person
    status: Mapped[str] = mapped_column(String(12), default=OfferStatus.OPEN)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[created_at]


class AdvanceStatus(StrEnum):
    IN_REVIEW = "in_review"  # waiting for a person (not a clear case, or the merchant asked for one)
    DECLINED = "declined"
    ACTIVE = "active"  # disbursed, repaying on schedule
    LATE = "late"  # behind its minimum repayment
    DEFAULTED = "defaulted"  # late beyond FINANCING_DEFAULT_AFTER_DAYS
    REPAID = "repaid"
    WRITTEN_OFF = "written_off"


# An advance that still counts against the store's and its community's limits.
OPEN_STATUSES = (AdvanceStatus.IN_REVIEW, AdvanceStatus.ACTIVE, AdvanceStatus.LATE, AdvanceStatus.DEFAULTED)
OUTSTANDING_STATUSES = (AdvanceStatus.ACTIVE, AdvanceStatus.LATE, AdvanceStatus.DEFAULTED)


class Advance(Base):
    """Working capital a store took: principal plus a fixed fee, repaid from its settlements."""

    __tablename__ = "financing_advances"
    __table_args__ = (
        CheckConstraint("status IN ('in_review', 'declined', 'active', 'late', 'defaulted', 'repaid', "
                        "'written_off')", name="status_known"),
        CheckConstraint("principal > 0 AND fee >= 0 AND repaid >= 0 AND repaid <= principal + fee "
                        "AND fee_earned >= 0 AND fee_earned <= fee", name="amounts_hold"),
        # One advance at a time per store, whatever races two acceptances run into.
        Index("uq_financing_advances_open", "store_id", unique=True,
              postgresql_where=text("status IN ('in_review', 'active', 'late', 'defaulted')"),
              sqlite_where=text("status IN ('in_review', 'active', 'late', 'defaulted')")),
        Index("ix_financing_advances_community_status", "community_id", "status"),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="RESTRICT"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("financing_offers.id", ondelete="RESTRICT"))
    score_id: Mapped[int] = mapped_column(ForeignKey("risk_store_scores.id", ondelete="RESTRICT"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    principal: Mapped[int]
    fee: Mapped[int]
    remittance_bp: Mapped[int]
    min_repayment: Mapped[int]  # fen due at least per period, cumulatively
    period_days: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    human_review_requested: Mapped[bool] = mapped_column(default=False)
    merchant_note: Mapped[str | None] = mapped_column(String(500))  # what the merchant asked the reviewer
    decided_by: Mapped[str | None] = mapped_column(String(10))  # "auto" or "person"
    decided_by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disbursed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repaid: Mapped[int] = mapped_column(default=0)
    fee_earned: Mapped[int] = mapped_column(default=0)
    days_past_due: Mapped[int] = mapped_column(default=0)
    was_late: Mapped[bool] = mapped_column(default=False)  # ever behind its minimum (a feature of later scores)
    # The last posting on the store's payable account that remittances have taken their share of.
    withheld_through: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[created_at]

    @property
    def total_due(self) -> int:
        return self.principal + self.fee

    @property
    def outstanding(self) -> int:
        return self.total_due - self.repaid if self.status in OUTSTANDING_STATUSES else 0


class RepaymentKind(StrEnum):
    REMITTANCE = "remittance"  # withheld from a settlement
    EARLY = "early"  # the owner repaid from its balance
    WRITE_OFF = "write_off"


class Repayment(Base):
    __tablename__ = "financing_repayments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[intpk]
    advance_id: Mapped[int] = mapped_column(ForeignKey("financing_advances.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int]
    fee_part: Mapped[int]  # of it, the fee recognised as revenue
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
