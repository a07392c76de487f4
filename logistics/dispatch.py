"""Dispatch, pure: which courier takes which open task, and the order of each courier's stops.

Assignment is earliest-promise first: each task goes to the courier whose route it lengthens least,
among those with room and who have not declined it, so tasks that share a store (or a building)
batch onto one courier. Each courier's stops are then ordered, pickups before their deliveries:
exactly by enumeration for a few stops, by PyVRP (`logistics.routing.solver`) for more. Distances
come from a `Distances` provider (great-circle times a detour factor by default).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from logistics.routing.problem import Node, Problem
from logistics.routing.solver import solve

EARTH_METRES = 6_371_000.0
DETOUR = 1.3  # paths inside a community are about this much longer than the straight line
SPEEDS = {"foot": 1.2, "bike": 3.5, "ebike": 5.0}  # metres per second
SOLVER_FROM_STOPS = 7  # fewer stops are ordered exactly by enumeration
SOLVER_SECONDS = 0.1  # at most, per courier
SOLVER_ITERATIONS = 100  # enough for one courier's few stops (the same routes as 300 in the bench)

Point = tuple[float, float]  # (latitude, longitude)


def great_circle(a: Point, b: Point) -> float:
    """Metres between two points (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_METRES * math.asin(math.sqrt(h))


def detour_distance(a: Point, b: Point) -> float:
    """The default provider: great-circle metres times DETOUR (a routing engine such as OSRM fits the
    same signature)."""
    return great_circle(a, b) * DETOUR


Distances = Callable[[Point, Point], float]


@dataclass(frozen=True)
class OpenTask:
    id: int
    pickup: Point
    drop: Point
    promised_in: float  # seconds from now
    weight: int = 0  # grams


@dataclass
class CourierState:
    id: int
    at: Point
    capacity: int
    vehicle: str = "ebike"
    max_weight: int | None = None  # grams; None: no limit
    tasks: list[OpenTask] = field(default_factory=list)  # held already (accepted, offered, picked up)
    picked_up: set[int] = field(default_factory=set)  # of them, those whose pickup is done
    declined: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Stop:
    task_id: int
    kind: str  # "pickup" or "drop"
    at: Point
    arrives_in: float  # seconds from now


def route_length(start: Point, stops: list[tuple[int, str, Point]], distances: Distances) -> float:
    total, here = 0.0, start
    for _task, _kind, at in stops:
        total += distances(here, at)
        here = at
    return total


def _stops_of(courier: CourierState) -> list[tuple[int, str, Point]]:
    stops: list[tuple[int, str, Point]] = []
    for task in courier.tasks:
        if task.id not in courier.picked_up:
            stops.append((task.id, "pickup", task.pickup))
        stops.append((task.id, "drop", task.drop))
    return stops


def _valid(order: tuple[tuple[int, str, Point], ...]) -> bool:
    seen: set[int] = set()
    for task, kind, _at in order:
        if kind == "pickup":
            seen.add(task)
        elif task not in seen and any(t == task and k == "pickup" for t, k, _ in order):
            return False
    return True


def order_stops(courier: CourierState, distances: Distances = detour_distance) -> list[Stop]:
    """The courier's stops in the order that is shortest, each pickup before its drop, with arrival times."""
    stops = _stops_of(courier)
    if len(stops) < SOLVER_FROM_STOPS:
        candidates = (order for order in itertools.permutations(stops) if _valid(order))
        best = min(candidates, key=lambda order: route_length(courier.at, list(order), distances), default=())
        ordered = list(best)
    else:
        ordered = _solved(courier, stops, distances)
    speed = SPEEDS.get(courier.vehicle, SPEEDS["ebike"])
    result, here, seconds = [], courier.at, 0.0
    for task, kind, at in ordered:
        seconds += distances(here, at) / speed
        here = at
        result.append(Stop(task, kind, at, seconds))
    return result


def _solved(courier: CourierState, stops: list[tuple[int, str, Point]], distances: Distances):
    """PyVRP on one vehicle: plane coordinates in metres around the courier (the solver's distance is
    Euclidean, so this is exact for the default provider up to the curvature of a community)."""
    lat0 = math.radians(courier.at[0])

    def plane(point: Point) -> tuple[float, float]:
        return ((point[1] - courier.at[1]) * math.pi / 180 * EARTH_METRES * math.cos(lat0) * DETOUR,
                (point[0] - courier.at[0]) * math.pi / 180 * EARTH_METRES * DETOUR)

    nodes, by_node = [], {}
    number = 1
    picked = {task for task, kind, _ in stops if kind == "pickup"}
    for task, kind, at in stops:
        if kind == "drop" and task in picked:
            continue
        if kind == "pickup":
            drop = next(p for t, k, p in stops if t == task and k == "drop")
            px, py = plane(at)
            dx, dy = plane(drop)
            nodes += [Node(number, px, py, demand=1, pickup_of=number + 1),
                      Node(number + 1, dx, dy, demand=-1, delivery_of=number)]
            by_node[number], by_node[number + 1] = (task, "pickup", at), (task, "drop", drop)
            number += 2
        else:  # already on board: a drop paired with a pickup where the courier stands
            dx, dy = plane(at)
            nodes += [Node(number, 0.0, 0.0, demand=1, pickup_of=number + 1),
                      Node(number + 1, dx, dy, demand=-1, delivery_of=number)]
            by_node[number + 1] = (task, "drop", at)
            number += 2
    problem = Problem(depot=Node(0, 0.0, 0.0), nodes=tuple(nodes), vehicles=1, capacity=len(stops) + 1,
                      paired=True, name=f"courier {courier.id}")
    solution = solve(problem, time_limit=SOLVER_SECONDS, iterations=SOLVER_ITERATIONS)
    route = solution.routes[0] if solution.routes else ()
    return [by_node[n] for n in route if n in by_node]


def assign(tasks: list[OpenTask], couriers: list[CourierState],
           distances: Distances = detour_distance) -> dict[int, int]:
    """Task id -> courier id for the open tasks that can be placed now, earliest promise first: each to
    the courier with room (in orders and in weight) whose route it lengthens least (a shared store or
    building costs little)."""
    placed: dict[int, int] = {}
    for task in sorted(tasks, key=lambda t: (t.promised_in, t.id)):
        best, best_cost = None, math.inf
        for courier in couriers:
            if len(courier.tasks) >= courier.capacity or task.id in courier.declined:
                continue
            carried = sum(t.weight for t in courier.tasks) + task.weight
            if courier.max_weight is not None and carried > courier.max_weight:
                continue
            anchor = courier.tasks[-1].drop if courier.tasks else courier.at
            # Joining a route that already passes this store or building costs only the short hops.
            near_pickup = min([distances(anchor, task.pickup)]
                              + [distances(t.pickup, task.pickup) for t in courier.tasks])
            near_drop = min([distances(task.pickup, task.drop)]
                            + [distances(t.drop, task.drop) for t in courier.tasks])
            cost = near_pickup + near_drop + 50.0 * len(courier.tasks)  # spread the load a little
            if cost < best_cost:
                best, best_cost = courier, cost
        if best is not None:
            best.tasks.append(task)
            placed[task.id] = best.id
    return placed


def greedy_nearest(tasks: list[OpenTask], couriers: list[CourierState],
                   distances: Distances = detour_distance) -> float:
    """The baseline dispatch is measured against: each task, in promise order, to the nearest courier
    with room, who fetches and delivers it before the next; the total distance driven."""
    at = {c.id: c.at for c in couriers}
    load = {c.id: 0 for c in couriers}
    room = {c.id: c.capacity for c in couriers}
    total = 0.0
    for task in sorted(tasks, key=lambda t: (t.promised_in, t.id)):
        free = [c for c in couriers if load[c.id] < room[c.id]]
        if not free:
            break
        courier = min(free, key=lambda c: distances(at[c.id], task.pickup))
        total += distances(at[courier.id], task.pickup) + distances(task.pickup, task.drop)
        at[courier.id], load[courier.id] = task.drop, load[courier.id] + 1
    return total


class OsrmTable:
    """Road distances from an OSRM server's Table service (`/table/v1/{profile}/...?annotations=distance`),
    fetched once per dispatch round for every point of the round; pairs it does not know (or a server
    that does not answer within `timeout`) fall back to `detour_distance`."""

    def __init__(self, base_url: str, points: list[Point], *, profile: str = "bike", timeout: float = 2.0) -> None:
        import json
        import logging
        import urllib.request

        self.index = {point: i for i, point in enumerate(dict.fromkeys(points))}
        self.matrix: list[list[float | None]] = []
        if len(self.index) < 2:
            return
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in self.index)
        url = f"{base_url.rstrip('/')}/table/v1/{profile}/{coordinates}?annotations=distance"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a configured server
                answer = json.load(response)
            if answer.get("code") != "Ok":
                raise ValueError(answer.get("code"))
            self.matrix = answer["distances"]
        except (OSError, ValueError, KeyError) as exc:
            logging.getLogger(__name__).warning("OSRM at %s did not answer (%s): great-circle distances instead",
                                                base_url, exc)
            self.matrix = []

    def __call__(self, a: Point, b: Point) -> float:
        i, j = self.index.get(a), self.index.get(b)
        if i is not None and j is not None and self.matrix:
            value = self.matrix[i][j]
            if value is not None:
                return float(value)
        return detour_distance(a, b)
