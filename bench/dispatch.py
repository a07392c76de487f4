"""Dispatch of 1,000 open tasks to 100 couriers in one community: seconds per round (assignment and
every courier's stops ordered) and the distance driven as a ratio to the greedy nearest-courier
baseline on the same tasks and couriers (logistics/dispatch.py). Seeded: the same city every run.

Run by `make bench` after the HTTP rows, or alone: `BENCH_ONLY=dispatch make bench`.
"""
from __future__ import annotations

import random
import time

from logistics import dispatch
from logistics.dispatch import CourierState, OpenTask

CENTRE = (31.1880, 121.4370)
TASKS, COURIERS, STORES, CAPACITY, RADIUS = 1_000, 100, 40, 10, 1_500.0  # metres around the centre


def _near(rng: random.Random) -> tuple[float, float]:
    return (CENTRE[0] + rng.uniform(-RADIUS, RADIUS) / 111_000, CENTRE[1] + rng.uniform(-RADIUS, RADIUS) / 95_000)


def _city(seed: int = 1):
    rng = random.Random(seed)
    stores = [_near(rng) for _ in range(STORES)]
    tasks = [OpenTask(i, rng.choice(stores), _near(rng), rng.uniform(600, 3_600)) for i in range(TASKS)]
    starts = [_near(rng) for _ in range(COURIERS)]
    return tasks, starts


def main() -> None:
    tasks, starts = _city()
    baseline = dispatch.greedy_nearest(tasks, [CourierState(i, at, CAPACITY) for i, at in enumerate(starts)])
    rounds = []
    for _ in range(3):
        couriers = [CourierState(i, at, CAPACITY) for i, at in enumerate(starts)]
        began = time.perf_counter()
        placed = dispatch.assign(tasks, couriers)
        routes = [dispatch.order_stops(courier) for courier in couriers]
        rounds.append(time.perf_counter() - began)
    driven = sum(dispatch.route_length(c.at, [(s.task_id, s.kind, s.at) for s in route], dispatch.detour_distance)
                 for c, route in zip(couriers, routes, strict=True))
    print(f"\n{'dispatch round (1,000 tasks, 100 couriers)':<55} {'seconds':>8} {'placed':>7} {'km':>8} "
          f"{'greedy km':>10} {'ratio':>6}")
    print(f"{'best of 3 rounds':<55} {min(rounds):>8.2f} {len(placed):>7} {driven / 1000:>8.1f} "
          f"{baseline / 1000:>10.1f} {driven / baseline:>6.3f}")


if __name__ == "__main__":
    main()
