"""The credit pipeline without a database: constraints kept, calibrated, scaled, explained, and serialisable."""
import itertools
from dataclasses import replace

import numpy as np
import pytest

from risk.training import (
    CreditModel,
    TrainingConfig,
    TrainingDataError,
    calibration_table,
    ks_statistic,
    monotone_violations,
    time_blocks,
    train,
)

FAST = TrainingConfig(folds=3, inner_folds=3, max_rounds=300, early_stopping_rounds=30, learning_rate=0.1)


def _rows(n: int = 400, seed: int = 0):
    """A risk that rises with refunds, except a bump the data has by chance (what a constraint must ignore)."""
    rng = np.random.default_rng(seed)
    refunds = rng.uniform(0, 1, n)
    tenure = rng.uniform(0, 1000, n)
    kind = rng.choice(["grocery", "bakery", "laundry", None], n)
    logit = -1.5 + 3 * refunds - 0.002 * tenure + 2.5 * ((refunds > 0.45) & (refunds < 0.55)) * -1
    logit = logit + np.where(kind == "bakery", 0.8, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    tenure[rng.random(n) < 0.1] = np.nan  # missing values stay missing
    return {"refunds": refunds, "tenure": tenure, "kind": np.array(kind, dtype=object)}, y


def test_constrained_features_never_move_the_risk_the_wrong_way():
    columns, y = _rows()
    result = train(columns, y, names=["refunds", "tenure", "kind"], categorical=["kind"],
                   monotone={"refunds": 1, "tenure": -1}, config=FAST)
    assert result.monotone_violations == 0
    assert 0.6 < result.evaluation.auc <= 1
    assert result.model.rounds_[0] > 1


def test_the_audit_finds_a_model_that_breaks_a_direction():
    columns, y = _rows()
    free = CreditModel(FAST).fit(columns, y, names=["refunds", "tenure", "kind"], categorical=["kind"])
    encoder = free.encoder_
    encoder.columns = [replace(c, monotone=-1) if c.name == "refunds" else c for c in encoder.columns]
    assert monotone_violations(free, columns) > 0  # refunds raise this model's risk: "never raises" is broken


def test_a_model_round_trips_through_its_artifact_and_explains_each_score():
    columns, y = _rows()
    model = CreditModel(FAST).fit(columns, y, names=["refunds", "tenure", "kind"], categorical=["kind"],
                                  monotone={"refunds": 1})
    again = CreditModel.from_bytes(model.to_bytes())
    rows = [{"refunds": 0.9, "tenure": None, "kind": "bakery"}, {"refunds": 0.1, "tenure": 900, "kind": "new kind"}]
    assert np.allclose(model.predict_proba(rows), again.predict_proba(rows))
    names, contributions = again.contributions(rows)
    assert names == ["refunds", "tenure", "kind", "(bias)"]
    assert np.allclose(contributions.sum(axis=1), again.decision_function(rows))
    assert contributions[0, 0] > contributions[1, 0]  # more refunds, more of the risk explained by refunds


def test_points_put_the_base_score_at_the_base_odds_and_add_pdo_per_doubling():
    model = CreditModel(TrainingConfig(base_score=600, base_odds=50, points_to_double_odds=20))
    at_base, doubled = model.points(np.array([1 / 51, 1 / 101]))
    assert at_base == pytest.approx(600) and doubled == pytest.approx(620)


def test_platt_until_enough_outcomes_then_isotonic():
    columns, y = _rows()
    names = ["refunds", "tenure", "kind"]
    assert CreditModel(FAST).fit(columns, y, names=names, categorical=["kind"]).calibrator_.state["kind"] == "platt"
    many = replace(FAST, isotonic_min_outcomes=20)
    model = CreditModel(many).fit(columns, y, names=names, categorical=["kind"])
    assert model.calibrator_.state["kind"] == "isotonic"
    p = model.predict_proba(columns)[:, 1]
    assert ((p > 0) & (p < 1)).all()


def test_out_of_time_validation_trains_on_earlier_periods_only():
    times = np.repeat(np.arange(12), 30).astype(float)
    blocks = time_blocks(times, 4)
    assert len(blocks) == 4 and sum(len(b) for b in blocks) == len(times)
    for earlier, later in itertools.pairwise(blocks):
        assert times[earlier].max() < times[later].min()
    columns, y = _rows(360)
    result = train(columns, y, names=["refunds", "tenure", "kind"], categorical=["kind"], time=times, config=FAST)
    assert result.evaluation.validation.startswith("out-of-time")


def test_a_single_class_or_too_few_events_cannot_be_trained():
    columns, _y = _rows(100)
    with pytest.raises(TrainingDataError, match="single class"):
        train(columns, np.zeros(100, dtype=int), names=["refunds"], config=FAST)
    few = np.zeros(100, dtype=int)
    few[:3] = 1
    with pytest.raises(TrainingDataError, match="at least 8"):
        train(columns, few, names=["refunds"], config=FAST)


def test_ks_and_the_calibration_table():
    y = np.array([0, 0, 1, 1])
    assert ks_statistic(y, np.array([0.1, 0.2, 0.8, 0.9])) == pytest.approx(1.0)
    table = calibration_table(y, np.array([0.1, 0.2, 0.8, 0.9]), bins=2)
    assert table == [{"rows": 2, "predicted": 0.15, "observed": 0.0}, {"rows": 2, "predicted": 0.85, "observed": 1.0}]
