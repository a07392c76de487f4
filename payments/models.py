"""Payments, refunds, Stripe events, the double-entry journal, commission rates and payouts."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, UTCDateTime, created_at, intpk, utcnow


class PaymentStatus(StrEnum):
    PENDING = "pending"  # waiting for the payer to confirm (or Stripe to finish processing)
    AUTHORIZED = "authorized"  # manual capture: the money is held, not yet taken
    SUCCEEDED = "succeeded"  # captured; partial refunds keep this status
    FAILED = "failed"  # the last attempt failed; the payer may try again with the same secret
    CANCELED = "canceled"
    REFUNDED = "refunded"  # everything captured was refunded


class CaptureMethod(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Payment(Base):
    """One PaymentIntent for an amount the server computed; `reference` names what it pays for."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # The database itself refuses a refund total above what was captured.
        CheckConstraint("amount_captured >= 0 AND amount_captured <= amount", name="captured_within_amount"),
        CheckConstraint("amount_refunded >= 0 AND amount_refunded <= amount_captured", name="refunds_within_captured"),
        Index("ix_payments_status_created", "status", "created_at"),
    )

    id: Mapped[intpk]
    reference: Mapped[str] = mapped_column(String(100), index=True)
    payer_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"), index=True)
    payee: Mapped[str | None] = mapped_column(String(60), index=True)
    store_category: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(255), default="")
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    capture_method: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PENDING)
    amount_captured: Mapped[int] = mapped_column(default=0)
    amount_refunded: Mapped[int] = mapped_column(default=0)
    # Commission rates are fixed when the payer is asked to pay, in basis points (1/100 of 1 %).
    platform_rate_bps: Mapped[int] = mapped_column(default=0)
    community_rate_bps: Mapped[int] = mapped_column(default=0)
    platform_fee: Mapped[int] = mapped_column(default=0)
    community_fee: Mapped[int] = mapped_column(default=0)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(255))
    failure_code: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Refund(Base):
    """A full or partial refund; `key` is the caller's idempotency key for it (payments/refunds.py)."""

    __tablename__ = "payment_refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[intpk]
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=RefundStatus.PENDING)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Until when one sender has Stripe's answer to wait for; nobody else sends it before then.
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StripeEvent(Base):
    """Every webhook event we accepted, by Stripe's id: the second delivery finds it and stops."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[created_at]


class LedgerAccount(Base):
    """One account of the chart in one currency; `balance` is derived (debits positive)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("code", "currency"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    type: Mapped[str] = mapped_column(String(20))
    balance: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created_at]


class JournalEntry(Base):
    __tablename__ = "journal_entries"

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime]
    created_at: Mapped[created_at]

    postings: Mapped[list[Posting]] = relationship(lazy="selectin", order_by="Posting.id")


class Posting(Base):
    """A signed amount on one account: positive is a debit, negative a credit."""

    __tablename__ = "journal_postings"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[intpk]
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))

    account: Mapped[LedgerAccount] = relationship(lazy="joined", innerjoin=True)


class CommissionRate(Base):
    """Rates per community and store category; NULL community and category '*' are the defaults."""

    __tablename__ = "commission_rates"
    __table_args__ = (
        Index(
            "uq_commission_rates_community_category",
            "community_id",
            "store_category",
            unique=True,
            postgresql_where=text("community_id IS NOT NULL"),
            sqlite_where=text("community_id IS NOT NULL"),
        ),
        Index(
            "uq_commission_rates_platform_category",
            "store_category",
            unique=True,
            postgresql_where=text("community_id IS NULL"),
            sqlite_where=text("community_id IS NULL"),
        ),
        CheckConstraint(
            "platform_rate_bps >= 0 AND community_rate_bps >= 0 AND platform_rate_bps + community_rate_bps <= 10000",
            name="rates_within_whole",
        ),
    )

    id: Mapped[intpk]
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    store_category: Mapped[str] = mapped_column(String(40))
    platform_rate_bps: Mapped[int]
    community_rate_bps: Mapped[int]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PayoutAccount(Base):
    """Where a payee's money goes: its Stripe Connect account."""

    __tablename__ = "payout_accounts"

    id: Mapped[intpk]
    payee: Mapped[str] = mapped_column(String(60), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[created_at]


class Payout(Base):
    """Money paid out to a payee, with the statement lines it settles."""

    __tablename__ = "payouts"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[intpk]
    payee: Mapped[str] = mapped_column(String(60), index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    transfer_key: Mapped[str] = mapped_column(String(200), unique=True)
    stripe_transfer_id: Mapped[str] = mapped_column(String(255))
    destination: Mapped[str] = mapped_column(String(255))
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]

    lines: Mapped[list[PayoutLine]] = relationship(lazy="selectin", order_by="PayoutLine.id")


class PayoutLine(Base):
    """One posting on the payee's account, settled by exactly one payout."""

    __tablename__ = "payout_lines"

    id: Mapped[intpk]
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("journal_postings.id", ondelete="RESTRICT"), unique=True)
    description: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int]
    occurred_at: Mapped[datetime]


class Export(Base):
    """A CSV of a statement or a revenue report, made by a job when it is too large to answer at once.

    Only the user who asked may download it; it is kept for EXPORT_TTL (payments/exports.py).
    """

    __tablename__ = "report_exports"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, done, failed
    filename: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
