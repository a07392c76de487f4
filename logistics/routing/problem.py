"""A routing problem and its answer as plain data: the depot, the stops with their windows and loads,
pickup-and-delivery pairs, and the vehicles. No Flask, no ORM: dispatch and the benchmark command
build the same `Problem` and read the same `Solution`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    """A place to visit. `id` is the caller's own number for it (the instance's customer number).

    `demand` is picked up (> 0) or dropped (< 0) here; a Solomon customer's demand is a drop from
    the depot's stock, given as positive and delivered. `pickup_of` names the delivery node a
    pickup's goods go to (its pair); the delivery's `delivery_of` names the pickup back.
    """

    id: int
    x: float
    y: float
    demand: int = 0
    ready: float = 0.0
    due: float = math.inf
    service: float = 0.0
    pickup_of: int | None = None  # this node is a pickup; its goods go to node `pickup_of`
    delivery_of: int | None = None  # this node is a delivery of node `delivery_of`'s goods


@dataclass(frozen=True)
class Problem:
    """A depot (opening at `depot.ready`, closing at `depot.due`), stops and a fleet of identical vehicles."""

    depot: Node
    nodes: tuple[Node, ...]
    vehicles: int
    capacity: int
    paired: bool = False  # pickup-and-delivery (Li & Lim): every node is one end of a pair
    name: str = ""

    def by_id(self) -> dict[int, Node]:
        return {n.id: n for n in (self.depot, *self.nodes)}


def distance(a: Node, b: Node) -> float:
    """Euclidean; travel time equals distance in the benchmark instances."""
    return math.hypot(a.x - b.x, a.y - b.y)


def truncated(a: Node, b: Node) -> float:
    """An arc as the best known Solomon values count it (DIMACS): its length truncated to one decimal."""
    return math.floor(10 * distance(a, b)) / 10


@dataclass(frozen=True)
class Solution:
    routes: tuple[tuple[int, ...], ...]  # node ids in visiting order, depot left out
    distance: float  # exact Euclidean total
    feasible: bool
    solver: str = "pyvrp"
    iterations: int = 0
    runtime: float = 0.0
    problems: tuple[str, ...] = field(default=())  # what the independent check found, if anything

    @property
    def vehicles(self) -> int:
        return len(self.routes)
