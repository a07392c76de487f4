"""The merchant model in-process: one store scored with its reasons (p50/p99), and the nightly rescore's
batches against LightGBM's raw predict of the model's boosters on the same matrix (a ratio of rows/s).

The model is the merchant model trained on the simulator's histories (BENCH_RISK_MERCHANTS, default
600, over 12 months); the stores scored are the simulator's rows, as `features_for_store` returns
them. Reading the stores' facts from the database is not in these rows.
Run by `make bench` after the HTTP rows, or alone: `BENCH_ONLY=risk make bench`.
"""
from __future__ import annotations

import os
import statistics
import time

MERCHANTS = int(os.environ.get("BENCH_RISK_MERCHANTS", "600"))
SINGLE_RUNS = 2_000
REPEATS = 30  # batches timed per row; the fastest half's median is kept (others share the machine)


def _model():
    import numpy as np

    from risk import merchant
    from risk.features import BY_NAME, FEATURE_NAMES
    from risk.training import CreditModel, TrainingConfig

    data = merchant.simulated_training_data(MERCHANTS, 12, 7)
    directions = {name: int(BY_NAME[name].risk) for name in FEATURE_NAMES if BY_NAME[name].risk}
    model = CreditModel(TrainingConfig()).fit(data.columns, data.labels, names=list(FEATURE_NAMES),
                                              monotone=directions, time=data.times)
    rows = [{name: None if np.isnan(data.columns[name][i]) else float(data.columns[name][i]) for name in FEATURE_NAMES}
            for i in range(len(data.labels))]
    return CreditModel.from_bytes(model.to_bytes()), rows  # as a worker loads it from the registry


def _seconds(run, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(sorted(times)[: max(1, repeats // 2)])


def main() -> None:
    from risk.scoring import score_features, score_rows, scores_of_matrix
    from risk.service import RESCORE_BATCH

    model, rows = _model()
    trees, boosted = model.boosters_
    print(f"\n{'merchant model, in-process (' + str(sum(model.rounds_)) + ' trees)':<55} {'p50 ms':>8} {'p99 ms':>8}")
    for row in rows[:50]:
        score_features(model, row)  # warm-up
    latencies = []
    for i in range(SINGLE_RUNS):
        began = time.perf_counter()
        score_features(model, rows[i % len(rows)])
        latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    print(f"{'score one store with its reasons':<55} {latencies[len(latencies) // 2]:>8.3f} "
          f"{latencies[int(len(latencies) * 0.99)]:>8.3f}")

    batch = (rows * (RESCORE_BATCH // len(rows) + 1))[:RESCORE_BATCH]
    x = model._matrix(batch)
    raw = _seconds(lambda: (trees.predict(x, raw_score=True), boosted.predict(x, raw_score=True)))
    print(f"\n{f'nightly rescore, batches of {RESCORE_BATCH}':<55} {'rows/s':>10} {'vs raw':>8}")
    print(f"{'LightGBM raw predict of the boosters, same matrix':<55} {RESCORE_BATCH / raw:>10.0f} {1:>8.2f}")
    for name, run in (("scores (probability, points, band), same matrix", lambda: scores_of_matrix(model, x)),
                      ("the same from feature rows (matrix built)",
                       lambda: scores_of_matrix(model, model._matrix(batch))),
                      ("scores with reasons (pred_contrib), as stored", lambda: score_rows(model, batch))):
        seconds = _seconds(run)
        print(f"{name:<55} {RESCORE_BATCH / seconds:>10.0f} {raw / seconds:>8.2f}")


if __name__ == "__main__":
    main()
