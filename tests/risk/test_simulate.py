"""The synthetic merchant histories: seeded, labelled from what follows the date, with the features scoring uses."""
import statistics

from risk.features import FEATURE_NAMES
from risk.simulate import Simulation, simulate

SMALL = Simulation(merchants=150, months=6, seed=3)


def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    rows = simulate(SMALL)
    assert rows == simulate(SMALL)
    assert rows != simulate(Simulation(merchants=150, months=6, seed=4))


def test_rows_are_marked_synthetic_and_carry_every_feature_and_a_label():
    rows = simulate(SMALL)
    assert rows and all(row["synthetic"] == 1 for row in rows)
    assert all(set(FEATURE_NAMES) <= set(row) and row["defaulted"] in (0, 1) for row in rows)
    assert [row["as_of"] for row in rows] == sorted(row["as_of"] for row in rows)  # for out-of-time validation
    assert len({row["as_of"] for row in rows}) == 6
    assert 0.01 < statistics.fmean(row["defaulted"] for row in rows) < 0.2


def test_merchants_heading_for_default_look_worse_before_it():
    rows = simulate(Simulation(merchants=400, months=6, seed=5))

    def mean(name, label):
        values = [row[name] for row in rows if row["defaulted"] == label and row[name] is not None]
        return statistics.fmean(values)

    assert mean("sales_trend_30_90", 1) < mean("sales_trend_30_90", 0)
    assert mean("refund_rate_90d", 1) > mean("refund_rate_90d", 0)
    assert mean("late_rate_90d", 1) > mean("late_rate_90d", 0)
