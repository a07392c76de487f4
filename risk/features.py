"""The merchant features risk models read: each defined once, with its meaning and its direction of risk.

A feature is a pure function of a store's `History` (its facts over the 30, 90 and 180 days before a
date, from `commerce.orders.facts.store_facts`), so training rows, simulated rows and online scoring
share this one definition and none of them can look past the date. A value is a float, or None when
the store has nothing to measure it on yet (no orders, no reviews): the model treats None as missing,
which is itself informative, instead of a made-up zero.

The direction says what the domain dictates: `Risk.HIGHER` means more of it never lowers the risk
(refunds, late orders), `Risk.LOWER` means more of it never raises the risk (tenure, sales), and
`Risk.NONE` means the domain does not say (a higher average ticket is neither good nor bad). Training
turns the directions into LightGBM's monotone constraints and audits that the model keeps them.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from commerce.orders.facts import StoreFacts, store_facts

WINDOWS = (30, 90, 180)  # days before the date that the facts are taken over
DAY_SECONDS = 86_400


class Risk(IntEnum):
    """How the risk moves when the feature grows, as LightGBM's monotone constraint expects it."""

    LOWER = -1
    NONE = 0
    HIGHER = 1


@dataclass(frozen=True)
class History:
    """What is known of a store on `as_of`: its facts over each window, and the floors not built yet.

    `ad_spend_90d` stays None until ads exist; `past_advances` counts the advances closed before the
    date and `past_advances_late` those of them that were ever late (None when there were none).
    """

    as_of: datetime
    opened_at: datetime
    last_30: StoreFacts
    last_90: StoreFacts
    last_180: StoreFacts
    ad_spend_90d: int | None = None
    past_advances: int = 0
    past_advances_late: int | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    zh: str  # what it means, in the merchant's words
    en: str
    risk: Risk
    compute: Callable[[History], float | None]


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator <= 0 else numerator / denominator


def tenure_days(history: History) -> float:
    """Days since the store opened, as of the date (never negative)."""
    return max(0.0, (history.as_of - history.opened_at).total_seconds() / DAY_SECONDS)


def open_days(history: History, window: int) -> float:
    """Days of the window the store was open: a store a week old is not judged on 90 days of silence."""
    return max(1.0, min(float(window), tenure_days(history)))


def _open_tail(history: History, daily: tuple[int, ...]) -> tuple[int, ...]:
    """The days of a daily series that fall after the store opened (at least the last day)."""
    return daily[-math.ceil(open_days(history, len(daily))):]


def sales_trend(history: History) -> float | None:
    """Daily sales of the last 30 days over those of the last 90 (both per open day): 1 is flat."""
    recent = history.last_30.sales / open_days(history, 30)
    return _ratio(recent, history.last_90.sales / open_days(history, 90))


def sales_trend_half_year(history: History) -> float | None:
    """Daily sales of the last 90 days over those of the 90 before (per open day); None if it was not open."""
    earlier_days = open_days(history, 180) - open_days(history, 90)
    if earlier_days < 1:
        return None
    earlier = (history.last_180.sales - history.last_90.sales) / earlier_days
    return _ratio(history.last_90.sales / open_days(history, 90), earlier)


def sales_volatility(history: History) -> float | None:
    """Coefficient of variation of weekly sales over the last 12 full open weeks; None under 4 weeks."""
    weeks = min(12, int(tenure_days(history) // 7), len(history.last_90.daily_sales) // 7)
    if weeks < 4:
        return None
    daily = history.last_90.daily_sales[-7 * weeks:]
    totals = [sum(daily[week * 7:(week + 1) * 7]) for week in range(weeks)]
    mean = statistics.fmean(totals)
    return None if mean <= 0 else statistics.pstdev(totals) / mean


def days_without_sales(history: History) -> float:
    """Open days of the last 30 on which nothing was sold."""
    return float(sum(1 for amount in _open_tail(history, history.last_30.daily_sales) if amount == 0))


def days_since_last_sale(history: History) -> float:
    """Calendar days from the last day with a sale to the date, looking back 180 days; every open day
    if there was none."""
    facts = history.last_180
    for index in range(len(facts.daily_sales) - 1, -1, -1):
        if facts.daily_sales[index] > 0:
            return float((history.as_of.date() - facts.since.date()).days - index)
    return float(math.ceil(open_days(history, len(facts.daily_sales))))


FEATURES: tuple[Feature, ...] = (
    Feature("tenure_days", "开店天数", "days since the store opened", Risk.LOWER, tenure_days),
    Feature("sales_30d", "近30天销售额(分)", "sales over the last 30 days (minor units)", Risk.LOWER,
            lambda h: float(h.last_30.sales)),
    Feature("sales_90d", "近90天销售额(分)", "sales over the last 90 days (minor units)", Risk.LOWER,
            lambda h: float(h.last_90.sales)),
    Feature("sales_180d", "近180天销售额(分)", "sales over the last 180 days (minor units)", Risk.LOWER,
            lambda h: float(h.last_180.sales)),
    Feature("sales_trend_30_90", "近30天日均销售额相对近90天的变化",
            "daily sales of the last 30 days against the last 90", Risk.LOWER, sales_trend),
    Feature("sales_trend_90_180", "近90天日均销售额相对此前90天的变化",
            "daily sales of the last 90 days against the 90 before", Risk.LOWER, sales_trend_half_year),
    Feature("orders_30d", "近30天订单数", "paid orders over the last 30 days", Risk.LOWER,
            lambda h: float(h.last_30.orders)),
    Feature("orders_90d", "近90天订单数", "paid orders over the last 90 days", Risk.LOWER,
            lambda h: float(h.last_90.orders)),
    Feature("average_ticket_90d", "近90天客单价(分)", "average order value over the last 90 days (minor units)",
            Risk.NONE, lambda h: _ratio(h.last_90.sales, h.last_90.orders)),
    Feature("refund_rate_90d", "近90天退款率", "refunds per paid order over the last 90 days", Risk.HIGHER,
            lambda h: _ratio(h.last_90.refunds, h.last_90.orders)),
    Feature("refunded_share_90d", "近90天退款金额占比", "share of sales refunded over the last 90 days", Risk.HIGHER,
            lambda h: _ratio(h.last_90.refunded, h.last_90.sales)),
    Feature("cancellation_rate_90d", "近90天付款后取消率", "paid orders cancelled over the last 90 days", Risk.HIGHER,
            lambda h: _ratio(h.last_90.cancelled_after_payment, h.last_90.orders)),
    Feature("late_rate_90d", "近90天延迟履约率", "orders handed over late over the last 90 days", Risk.HIGHER,
            lambda h: _ratio(h.last_90.late, h.last_90.orders)),
    Feature("review_score_180d", "近180天平均评分", "average review score over the last 180 days", Risk.LOWER,
            lambda h: _ratio(h.last_180.rating_total, h.last_180.reviews)),
    Feature("review_count_180d", "近180天评价数", "reviews over the last 180 days", Risk.NONE,
            lambda h: float(h.last_180.reviews)),
    Feature("repeat_customer_rate_90d", "近90天复购顾客占比", "customers who ordered twice or more, last 90 days",
            Risk.LOWER, lambda h: _ratio(h.last_90.repeat_customers, h.last_90.customers)),
    Feature("sales_volatility_90d", "近90天周销售额波动", "week-to-week variation of sales over the last 90 days",
            Risk.HIGHER, sales_volatility),
    Feature("days_without_sales_30d", "近30天无销售天数", "open days without a sale in the last 30", Risk.HIGHER,
            days_without_sales),
    Feature("days_since_last_sale", "距上次销售天数", "days since the last sale", Risk.HIGHER, days_since_last_sale),
    Feature("ad_spend_90d", "近90天广告支出(分)", "ad spend over the last 90 days (minor units)", Risk.NONE,
            lambda h: None if h.ad_spend_90d is None else float(h.ad_spend_90d)),
    Feature("past_advances", "历史融资笔数", "working-capital advances taken before", Risk.NONE,
            lambda h: float(h.past_advances)),
    Feature("past_advances_late_rate", "历史融资逾期占比", "share of past advances repaid late", Risk.HIGHER,
            lambda h: None if h.past_advances_late is None else _ratio(h.past_advances_late, h.past_advances)),
)
FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}


def compute_features(history: History) -> dict[str, float | None]:
    """Every feature of one store's history, in `FEATURE_NAMES` order, as floats (or None)."""
    values = {feature.name: feature.compute(history) for feature in FEATURES}
    # float(): PostgreSQL's SUM comes back as Decimal, and a score's inputs are stored as JSON
    return {name: None if value is None else float(value) for name, value in values.items()}


def monotone_constraints(names: tuple[str, ...] = FEATURE_NAMES) -> list[int]:
    """LightGBM's `monotone_constraints` for these features, from their directions of risk."""
    return [int(BY_NAME[name].risk) for name in names]


def history_of(session: Session, store_id: int, as_of: datetime) -> History:
    """A store's facts over each window before `as_of`. NotFound (404) for no such store."""
    facts = {days: store_facts(session, store_id, as_of=as_of, days=days) for days in WINDOWS}
    taken, late = past_advances(session, store_id, as_of)
    return History(as_of=as_of, opened_at=facts[30].opened_at, last_30=facts[30], last_90=facts[90],
                   last_180=facts[180], past_advances=taken, past_advances_late=late if taken else None)


def past_advances(session: Session, store_id: int, as_of: datetime) -> tuple[int, int]:
    """Advances the store had closed (repaid or written off) before `as_of`, and of them those that
    were ever behind their minimum repayments."""
    from risk.financing.models import Advance, AdvanceStatus

    closed = (Advance.store_id == store_id, Advance.disbursed_at.is_not(None), Advance.closed_at < as_of,
              Advance.status.in_((AdvanceStatus.REPAID, AdvanceStatus.WRITTEN_OFF)))
    taken, late = session.execute(select(func.count(), func.coalesce(func.sum(
        case((or_(Advance.was_late, Advance.status == AdvanceStatus.WRITTEN_OFF), 1), else_=0)), 0))
        .where(*closed)).one()
    return int(taken), int(late)


def features_for_store(session: Session, store_id: int, as_of: datetime) -> dict[str, float | None]:
    """The store's features as they stood at `as_of`: nothing that happened later counts."""
    return compute_features(history_of(session, store_id, as_of))
