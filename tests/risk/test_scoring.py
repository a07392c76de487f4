"""Scoring a store: probability, points, band, reasons in both languages, stored with the model behind it."""
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from core.errors import Conflict
from risk import service
from risk.features import BY_NAME, FEATURE_NAMES
from risk.models import StoreScore
from risk.scoring import band_of, reason_for, score_features
from risk.simulate import Simulation, simulate, training_table
from risk.training import ARTIFACT_FORMAT, CreditModel, TrainingConfig
from tests.commerce.factories import order_of, product_of, store_serving
from tests.factories import CommunityFactory, current_session, resident_of

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def merchant_model() -> CreditModel:
    columns, labels, times = training_table(simulate(Simulation(merchants=150, months=6, seed=11)))
    directions = {name: int(BY_NAME[name].risk) for name in FEATURE_NAMES if BY_NAME[name].risk}
    return CreditModel(TrainingConfig(inner_folds=3, max_rounds=200, early_stopping_rounds=30)).fit(
        columns, labels, names=list(FEATURE_NAMES), monotone=directions, time=times)


def test_bands_follow_the_points():
    assert [band_of(p) for p in (700, 640, 610, 580, 300)] == ["A", "B", "C", "D", "E"]


def test_a_reason_says_what_the_feature_is_and_that_it_raises_the_risk_in_both_languages():
    reason = reason_for("refund_rate_90d", 0.0812, 0.4)
    assert reason.zh == "近90天退款率为0.0812, 推高了风险"
    assert reason.en == "refunds per paid order over the last 90 days is 0.0812, which raises the risk"
    assert "暂无记录" in reason_for("review_score_180d", None, 0.1).zh


def test_the_top_reasons_are_what_pushed_this_store_s_risk_up_most(merchant_model):
    healthy = simulate(Simulation(merchants=150, months=6, seed=11))[0]
    features = {name: healthy[name] for name in FEATURE_NAMES}
    troubled = features | {"refund_rate_90d": 0.4, "late_rate_90d": 0.5, "days_without_sales_30d": 20.0}
    good, bad = score_features(merchant_model, features), score_features(merchant_model, troubled)
    assert 0 < good.probability < 1 and bad.probability >= good.probability and bad.points <= good.points
    assert len(bad.reasons) <= 3
    contributions = [reason.contribution for reason in bad.reasons]
    assert contributions == sorted(contributions, reverse=True) and all(c > 0 for c in contributions)
    assert bad.points == pytest.approx(float(merchant_model.points(np.array(bad.probability))))


def _champion(model: CreditModel):
    session = current_session()
    version = service.register_model_version(
        session, name=service.MERCHANT_MODEL, artifact=model.to_bytes(), artifact_format=ARTIFACT_FORMAT,
        features=[], params={}, metrics={}, data_fingerprint="0" * 64, training_rows=1, synthetic=True)
    return service.promote_model_version(session, version.id)


def test_a_store_is_scored_by_the_champion_and_the_score_keeps_its_inputs(connection, merchant_model):
    community = CommunityFactory()
    store, _owner = store_serving(community)
    store.created_at = AS_OF - timedelta(days=200)
    product, resident = product_of(store, price=3_000), resident_of(community)
    for days_ago in (60, 30, 10, 2):
        order = order_of(store, community, resident, product=product)
        order.paid_at = AS_OF - timedelta(days=days_ago)
    current_session().commit()
    with pytest.raises(Conflict):
        service.score_store(current_session(), store.id, as_of=AS_OF)  # no champion yet
    champion = _champion(merchant_model)

    score = service.score_store(current_session(), store.id, as_of=AS_OF)

    stored = current_session().get(StoreScore, score.id)
    assert stored.model_version_id == champion.id and stored.as_of == AS_OF
    assert stored.features["orders_90d"] == 4 and set(stored.features) == set(FEATURE_NAMES)
    assert 0 < stored.probability < 1 and stored.band == band_of(stored.points)
    assert all({"feature", "zh", "en", "contribution"} <= set(reason) for reason in stored.reasons)


def test_a_batch_scores_each_row_as_it_would_be_scored_alone(merchant_model):
    from risk.scoring import score_rows, scores_of_matrix

    rows = [{name: row[name] for name in FEATURE_NAMES}
            for row in simulate(Simulation(merchants=150, months=6, seed=12))[:300]]
    alone = [score_features(merchant_model, row) for row in rows]
    batch = score_rows(merchant_model, rows)
    probability, points, bands = scores_of_matrix(merchant_model, merchant_model._matrix(rows))
    assert np.allclose([s.probability for s in batch], [s.probability for s in alone], rtol=1e-9)
    assert np.allclose(probability, merchant_model.predict_proba(rows)[:, 1], rtol=1e-9)
    assert [s.reasons for s in batch] == [s.reasons for s in alone]
    assert list(bands) == [band_of(p) for p in points] and len(set(bands)) > 1
