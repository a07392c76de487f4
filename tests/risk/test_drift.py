"""Population stability: near zero on the same population, past the action threshold on a shifted one."""
import numpy as np

from risk.drift import drift_level, population_stability_index


def test_the_same_population_is_stable_and_a_shifted_one_is_not():
    rng = np.random.default_rng(0)
    training = rng.normal(0, 1, 5_000).tolist()
    assert population_stability_index(training, rng.normal(0, 1, 5_000).tolist()) < 0.02
    assert population_stability_index(training, rng.normal(0.3, 1, 5_000).tolist()) > 0.05
    assert population_stability_index(training, rng.normal(1.0, 1, 5_000).tolist()) > 0.25


def test_missing_values_are_a_bin_of_their_own():
    stable = population_stability_index([1.0, 2.0, None, 4.0] * 100, [1.0, 2.0, None, 4.0] * 100)
    assert stable < 1e-9
    assert population_stability_index([1.0, 2.0, 3.0, 4.0] * 100, [None, 2.0, 3.0, 4.0] * 100) > 0.25


def test_alerts_start_at_a_tenth_and_action_at_a_quarter():
    assert [drift_level(v) for v in (0.05, 0.10, 0.2, 0.25, 0.9)] == [None, "alert", "alert", "act", "act"]


def test_a_report_against_the_training_sample_flags_only_the_features_that_moved():
    from risk.drift import drift_report, reference_bins
    from risk.features import FEATURE_NAMES
    from risk.simulate import Simulation, simulate

    training = simulate(Simulation(merchants=1_000, months=3, seed=11))
    reference = {"features": {name: reference_bins([row[name] for row in training]) for name in FEATURE_NAMES},
                 "score": reference_bins(np.random.default_rng(0).beta(2, 20, 2_000).tolist())}
    today = simulate(Simulation(merchants=1_000, months=3, seed=12))  # the same population, other merchants
    scores = np.random.default_rng(1).beta(2, 20, 1_500).tolist()

    stable = drift_report(reference, today, scores)
    assert stable["rows"] == len(today) and all(item["level"] is None for item in stable["psi"]), stable

    shifted = [row | {"sales_30d": row["sales_30d"] * 0.4,
                      "refund_rate_90d": None if row["refund_rate_90d"] is None else row["refund_rate_90d"] * 3}
               for row in today]
    report = drift_report(reference, shifted, np.random.default_rng(1).beta(4, 20, 1_500).tolist())
    levels = {item["name"]: item["level"] for item in report["psi"]}
    assert levels["sales_30d"] == "act" and levels["refund_rate_90d"] in ("alert", "act")
    assert levels["(score)"] is not None and levels["tenure_days"] is None
    assert [item["psi"] for item in report["psi"]] == sorted((item["psi"] for item in report["psi"]), reverse=True)
