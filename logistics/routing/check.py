"""An answer re-checked from the problem, never trusted: every stop once, pickups before their
deliveries on one vehicle, the load within capacity, service starting inside each window with exact
travel times, back at the depot by its close, no more routes than vehicles."""
from __future__ import annotations

import itertools

from logistics.routing.problem import Problem, distance, truncated

EPSILON = 1e-6


def problems(problem: Problem, routes: tuple[tuple[int, ...], ...]) -> list[str]:
    """What is wrong with `routes` for `problem`, one line each; empty when they are feasible."""
    found: list[str] = []
    by_id, depot = problem.by_id(), problem.depot
    if len(routes) > problem.vehicles:
        found.append(f"{len(routes)} routes for {problem.vehicles} vehicles")
    visited = [node_id for route in routes for node_id in route]
    if sorted(visited) != sorted(n.id for n in problem.nodes):
        missing = {n.id for n in problem.nodes} - set(visited)
        twice = {i for i in visited if visited.count(i) > 1}
        found.append(f"not every stop exactly once (missing {sorted(missing)[:5]}, twice {sorted(twice)[:5]})")
    for number, route in enumerate(routes, 1):
        if any(node_id not in by_id or node_id == depot.id for node_id in route):
            found.append(f"route {number} names a stop that is not in the problem")
            continue
        time, load, at, on_board = depot.ready, 0, depot, set()
        if not problem.paired:  # Solomon: the route's drops are loaded at the depot
            load = sum(by_id[i].demand for i in route)
            if load > problem.capacity:
                found.append(f"route {number} carries {load}, above capacity {problem.capacity}")
        for node_id in route:
            node = by_id[node_id]
            time = max(time + distance(at, node), node.ready)
            if time > node.due + EPSILON:
                found.append(f"route {number}: service at node {node_id} starts at {time:.2f}, after {node.due:g}")
            if problem.paired:
                load += node.demand
                if load > problem.capacity:
                    found.append(f"route {number}: load {load} after node {node_id} is above {problem.capacity}")
                if node.pickup_of is not None:
                    on_board.add(node_id)
                elif node.delivery_of not in on_board:
                    found.append(f"route {number}: node {node_id} is delivered before its pickup "
                                 f"{node.delivery_of} on this vehicle")
            time += node.service
            at = node
        if time + distance(at, depot) > depot.due + EPSILON:
            found.append(f"route {number} is back at the depot at {time + distance(at, depot):.2f}, after "
                         f"{depot.due:g}")
    return found


def total(problem: Problem, routes: tuple[tuple[int, ...], ...], *, truncate: bool = False) -> float:
    """The routes' length, exact, or (`truncate`) with each arc truncated to one decimal as Solomon's
    best known values are counted."""
    by_id, depot, arc = problem.by_id(), problem.depot, truncated if truncate else distance
    length = 0.0
    for route in routes:
        stops = [depot, *(by_id[i] for i in route), depot]
        length += sum(arc(a, b) for a, b in itertools.pairwise(stops))
    return length
