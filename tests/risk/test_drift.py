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
