"""Merchant features: pure functions of a store's facts as of a date, and never a look past it."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from commerce.orders.facts import StoreFacts
from commerce.orders.models import StoreReview
from risk.features import (
    BY_NAME,
    FEATURE_NAMES,
    FEATURES,
    History,
    Risk,
    compute_features,
    features_for_store,
    monotone_constraints,
)
from tests.commerce.factories import order_of, product_of, store_serving
from tests.factories import CommunityFactory, current_session, resident_of

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)


def _facts(days: int, daily: list[int] | None = None, **counts) -> StoreFacts:
    daily = daily if daily is not None else [0] * days
    assert len(daily) == days
    fields = dict(orders=0, refunds=0, refunded=0, cancelled_after_payment=0, late=0, reviews=0, rating_total=0,
                  customers=0, repeat_customers=0) | counts
    return StoreFacts(store_id=1, as_of=AS_OF, since=AS_OF - timedelta(days=days),
                      opened_at=AS_OF - timedelta(days=400), sales=sum(daily), daily_sales=tuple(daily), **fields)


def _history(daily_180: list[int], *, tenure: float = 400, **counts_90) -> History:
    """A store whose 30- and 90-day facts are the tails of its 180 days of sales."""
    return History(as_of=AS_OF, opened_at=AS_OF - timedelta(days=tenure), last_30=_facts(30, daily_180[-30:]),
                   last_90=_facts(90, daily_180[-90:], **counts_90), last_180=_facts(180, daily_180))


def test_every_feature_has_a_name_a_meaning_in_both_languages_and_a_direction():
    assert len(set(FEATURE_NAMES)) == len(FEATURES)
    for feature in FEATURES:
        assert feature.zh and feature.en and isinstance(feature.risk, Risk)
    assert BY_NAME["refund_rate_90d"].risk is Risk.HIGHER  # more refunds never lowers risk
    assert BY_NAME["tenure_days"].risk is Risk.LOWER
    assert monotone_constraints(("refund_rate_90d", "tenure_days", "average_ticket_90d")) == [1, -1, 0]


def test_a_steady_store_is_flat_with_no_idle_days():
    features = compute_features(_history([1_000] * 180, orders=90, refunds=9, customers=30, repeat_customers=12))
    assert features["sales_30d"] == 30_000 and features["sales_180d"] == 180_000
    assert features["sales_trend_30_90"] == pytest.approx(1.0)
    assert features["sales_trend_90_180"] == pytest.approx(1.0)
    assert features["sales_volatility_90d"] == pytest.approx(0.0)
    assert features["days_without_sales_30d"] == 0
    assert features["days_since_last_sale"] == 1  # the date is midnight: the last sale was yesterday
    assert features["refund_rate_90d"] == pytest.approx(0.1)
    assert features["average_ticket_90d"] == pytest.approx(1_000)
    assert features["repeat_customer_rate_90d"] == pytest.approx(0.4)
    assert features["tenure_days"] == pytest.approx(400)


def test_a_declining_store_shows_a_falling_trend_idle_days_and_volatility():
    daily = [2_000] * 90 + [1_000] * 60 + [0, 500] * 15
    features = compute_features(_history(daily))
    assert features["sales_trend_30_90"] < 1 and features["sales_trend_90_180"] < 1
    assert features["days_without_sales_30d"] == 15
    assert features["days_since_last_sale"] == 1
    assert features["sales_volatility_90d"] > 0
    silent = compute_features(_history([1_000] * 170 + [0] * 10))
    assert silent["days_since_last_sale"] == 11


def test_a_store_with_nothing_to_measure_gets_missing_values_not_zeros():
    features = compute_features(_history([0] * 180))
    for name in ("sales_trend_30_90", "average_ticket_90d", "refund_rate_90d", "review_score_180d",
                 "repeat_customer_rate_90d", "sales_volatility_90d", "ad_spend_90d", "past_advances_late_rate"):
        assert features[name] is None, name
    assert features["days_since_last_sale"] == 180 and features["past_advances"] == 0


def test_a_new_store_is_judged_on_the_days_it_was_open():
    daily = [0] * 170 + [1_000] * 10  # opened ten days ago and sold every day since
    features = compute_features(_history(daily, tenure=10))
    assert features["days_without_sales_30d"] == 0
    assert features["sales_trend_30_90"] == pytest.approx(1.0)  # not a 3x "growth" from days it was closed
    assert features["sales_trend_90_180"] is None and features["sales_volatility_90d"] is None
    assert compute_features(_history([0] * 180, tenure=10))["days_since_last_sale"] == 10


def test_reviews_and_late_orders_are_rates_of_the_window():
    history = _history([1_000] * 180, orders=50, late=5, cancelled_after_payment=2)
    history = replace(history, last_180=replace(history.last_180, reviews=4, rating_total=18))
    features = compute_features(history)
    assert features["late_rate_90d"] == pytest.approx(0.1)
    assert features["cancellation_rate_90d"] == pytest.approx(0.04)
    assert features["review_score_180d"] == pytest.approx(4.5) and features["review_count_180d"] == 4


def test_features_for_store_see_nothing_after_the_date(connection):
    community = CommunityFactory()
    store, _owner = store_serving(community)
    store.created_at = AS_OF - timedelta(days=200)
    product = product_of(store, price=2_000)
    resident = resident_of(community)
    session = current_session()
    for days_ago in (100, 20, 3, -1, -30):  # the last two come after the date
        order = order_of(store, community, resident, product=product)
        order.paid_at = AS_OF - timedelta(days=days_ago)
        order.delivered_at = order.paid_at + timedelta(hours=1)
    session.add(StoreReview(order_id=order.id, store_id=store.id, user_id=resident.id, rating=4,
                            created_at=AS_OF - timedelta(days=1)))
    session.commit()

    features = features_for_store(session, store.id, AS_OF)

    assert list(features) == list(FEATURE_NAMES)
    assert features["sales_180d"] == 6_000 and features["sales_90d"] == 4_000 and features["sales_30d"] == 4_000
    assert features["orders_90d"] == 2 and features["days_since_last_sale"] == 3
    assert features["repeat_customer_rate_90d"] == 1.0
    assert features["tenure_days"] == pytest.approx(200, abs=0.01)
    assert features["review_count_180d"] == 1 and features["review_score_180d"] == 4.0
    json.dumps(features)  # plain floats, as a stored score keeps them (PostgreSQL's SUM is a Decimal)
    assert features_for_store(session, store.id, AS_OF + timedelta(days=60))["sales_30d"] == 2_000
