"""Financing's arithmetic, pure: what a band and trailing sales offer, what a repayment earns of the fee,
and how many days an advance is behind its minimum repayments. No database; unit-tested alone.

The product is Shopify Capital's and Square Loans': a fixed fee agreed up front (never interest, never
compounding), repaid as a share of each settlement, with a minimum per period so that a store that
stops selling is noticed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

BP = 10_000  # basis points in one


@dataclass(frozen=True)
class BandTerms:
    multiple_bp: int  # of average monthly sales, at most
    fee_bp: int  # of the amount borrowed, once
    remittance_bp: int  # of each settlement withheld
    min_repayment_bp: int  # of the total due, at least per period
    auto_share_bp: int  # of the maximum decided without a person (0: always a person)


# Band A (lowest risk) to D; E gets no offer. 1.5x monthly sales and a 4 % fee at best.
BAND_TERMS: dict[str, BandTerms] = {
    "A": BandTerms(multiple_bp=15_000, fee_bp=400, remittance_bp=1_000, min_repayment_bp=1_250, auto_share_bp=BP),
    "B": BandTerms(multiple_bp=12_500, fee_bp=600, remittance_bp=1_200, min_repayment_bp=1_500, auto_share_bp=BP),
    "C": BandTerms(multiple_bp=10_000, fee_bp=800, remittance_bp=1_500, min_repayment_bp=1_667, auto_share_bp=5_000),
    "D": BandTerms(multiple_bp=5_000, fee_bp=1_000, remittance_bp=2_000, min_repayment_bp=2_000, auto_share_bp=0),
}
PERIOD_DAYS = 30
ROUND_TO = 10_000  # offers in whole hundreds of yuan


@dataclass(frozen=True)
class OfferTerms:
    band: str
    monthly_sales: int
    min_amount: int
    max_amount: int
    fee_bp: int
    remittance_bp: int
    min_repayment_bp: int
    auto_limit: int
    period_days: int = PERIOD_DAYS


def offer_terms(band: str, sales_90d: int, *, min_amount: int, store_limit: int) -> OfferTerms | None:
    """The offer for a band and 90 days of sales, or None (band E, or too little to lend)."""
    terms = BAND_TERMS.get(band)
    if terms is None or sales_90d <= 0:
        return None
    monthly = sales_90d // 3
    ceiling = min(monthly * terms.multiple_bp // BP, store_limit)
    max_amount = ceiling // ROUND_TO * ROUND_TO
    if max_amount < min_amount:
        return None
    auto_limit = max_amount * terms.auto_share_bp // BP
    return OfferTerms(band=band, monthly_sales=monthly, min_amount=min_amount, max_amount=max_amount,
                      fee_bp=terms.fee_bp, remittance_bp=terms.remittance_bp,
                      min_repayment_bp=terms.min_repayment_bp, auto_limit=auto_limit)


def fee_for(amount: int, fee_bp: int) -> int:
    return amount * fee_bp // BP


def min_repayment(total_due: int, min_repayment_bp: int) -> int:
    """Fen due at least per period (rounded up, so the schedule never ends short of the total)."""
    return max(1, -(-total_due * min_repayment_bp // BP))


def fee_part(fee: int, total_due: int, repaid_before: int, amount: int) -> int:
    """Of a repayment of `amount`, the fee it earns: the fee is recognised in proportion to what is
    repaid, exactly (the parts of all repayments add up to the fee when the advance is repaid)."""
    return fee * (repaid_before + amount) // total_due - fee * repaid_before // total_due


def remittance(base: int, remittance_bp: int, outstanding: int) -> int:
    """What a settlement whose new net sales are `base` withholds (never more than is outstanding)."""
    if base <= 0 or outstanding <= 0:
        return 0
    return min(outstanding, base * remittance_bp // BP)


def days_past_due(*, total_due: int, repaid: int, minimum: int, period_days: int, disbursed_at: datetime,
                  now: datetime) -> int:
    """Days since the oldest minimum repayment not yet met (0 when on schedule).

    By the end of period k (k = 1, 2, ...) at least min(total_due, k x minimum) must have been repaid;
    the oldest period end whose cumulative minimum exceeds what is repaid is when the store fell behind.
    """
    if repaid >= total_due:
        return 0
    k = repaid // minimum + 1  # the first period whose cumulative minimum is not met
    due = disbursed_at + timedelta(days=k * period_days)
    return max(0, (now - due).days)
