"""The route solver against the literature: gaps to the best known distances of the shared Solomon
instances (../shared/data/vrp), at the benchmark's time limit (BENCH_VRP_SECONDS, default 10 s).

Run by `make bench` after the HTTP rows, or alone: `.venv/bin/python -m bench.vrp`.
"""
from __future__ import annotations

import os
from pathlib import Path

from logistics.routing import check, instances, solver

DATA = Path(os.environ.get("LINLI_VRP_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data" / "vrp")
BEST = {"C102": (827.3, 10), "R102": (1466.6, 18), "RC102": (1457.4, 14)}
SECONDS = float(os.environ.get("BENCH_VRP_SECONDS", "10"))


def main() -> None:
    print(f"\n{'VRPTW instance (100 customers)':<55} {'distance':>9} {'best':>8} {'gap %':>7} {'vehicles':>9} "
          f"{'feasible':>9} {'seconds':>8}")
    gaps = []
    for name, (best, vehicles) in BEST.items():
        problem = instances.load(DATA / f"{name}.txt", "solomon")
        answer = solver.solve(problem, time_limit=SECONDS, seed=1)
        counted = check.total(problem, answer.routes, truncate=True)
        gap = 100 * (counted / best - 1)
        gaps.append(gap)
        print(f"{name:<55} {counted:>9.1f} {best:>8.1f} {gap:>7.2f} {answer.vehicles:>5} ({vehicles:>2}) "
              f"{answer.feasible!s:>9} {answer.runtime:>8.1f}")
    print(f"{'mean gap':<55} {'':>9} {'':>8} {sum(gaps) / len(gaps):>7.2f}")


if __name__ == "__main__":
    main()
