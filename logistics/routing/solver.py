"""Routes for a `Problem` by PyVRP's iterated local search (Wouda, Lan & Kool, 2024), which handles
time windows, capacities and paired pickups and deliveries (shipments).

PyVRP works in integers: distances are scaled by `SCALE` and truncated (Solomon's best known values
truncate each arc to one decimal), durations rounded up, so a schedule PyVRP finds feasible is
feasible with exact travel times too. The answer is checked again from the problem (check.py).
"""
from __future__ import annotations

import math
import time

from logistics.routing import check
from logistics.routing.problem import Node, Problem, Solution, distance

SCALE = 10  # one decimal, the precision of the instances' best known distances
_HORIZON = 10**12


def _early(value: float) -> int:
    """A time the schedule may not be before, in PyVRP's units: rounded up, so never earlier than given."""
    return math.ceil(value * SCALE - 1e-9)


def _late(value: float) -> int:
    """A time the schedule may not be after: rounded down, so never later than given."""
    return _HORIZON if math.isinf(value) else math.floor(value * SCALE + 1e-9)


def solve(problem: Problem, *, time_limit: float, seed: int = 0, iterations: int | None = None) -> Solution:
    """The best routes PyVRP finds within `time_limit` seconds (or, for dispatch's small routes, within
    `iterations` iterations of its search, whichever comes first), with the exact distance and feasibility."""
    from pyvrp import ActivityType, Model
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    began = time.perf_counter()
    model = Model()
    depot = problem.depot
    places: list[Node] = [depot]
    depot_location = model.add_location(depot.x, depot.y)
    locations = [depot_location]
    model.add_depot(depot_location, tw_early=_early(depot.ready), tw_late=_late(depot.due))
    model.add_vehicle_type(problem.vehicles, capacity=problem.capacity, tw_early=_early(depot.ready),
                           tw_late=_late(depot.due))

    def located(node: Node):
        location = model.add_location(node.x, node.y)
        places.append(node)
        locations.append(location)
        return location

    clients: list[int] = []  # PyVRP's client index -> node id
    shipments: list[tuple[int, int]] = []  # shipment index -> (pickup id, delivery id)
    by_id = problem.by_id()
    for node in problem.nodes:
        if problem.paired:
            if node.pickup_of is None:
                continue
            drop = by_id[node.pickup_of]
            model.add_shipment(located(node), located(drop), pickup_tw_early=_early(node.ready),
                               pickup_tw_late=_late(node.due), pickup_service_duration=_early(node.service),
                               delivery_tw_early=_early(drop.ready), delivery_tw_late=_late(drop.due),
                               delivery_service_duration=_early(drop.service), amount=[node.demand])
            shipments.append((node.id, drop.id))
        else:
            model.add_client(located(node), delivery=[node.demand], service_duration=_early(node.service),
                             tw_early=_early(node.ready), tw_late=_late(node.due))
            clients.append(node.id)
    for a, from_node in zip(locations, places, strict=True):
        for b, to_node in zip(locations, places, strict=True):
            length = distance(from_node, to_node) * SCALE
            model.add_edge(a, b, distance=math.floor(length + 1e-9), duration=math.ceil(length - 1e-9))

    stop = MaxRuntime(max(time_limit - (time.perf_counter() - began), 0.01 if iterations else 0.1))
    if iterations:
        stop = MultipleCriteria([stop, MaxIterations(iterations)])
    result = model.solve(stop, seed=seed, display=False)
    routes = []
    for route in result.best.routes():
        stops = []
        for visit in route.schedule():
            if visit.type == ActivityType.CLIENT:
                stops.append(clients[visit.idx])
            elif visit.type == ActivityType.PICKUP:
                stops.append(shipments[visit.idx][0])
            elif visit.type == ActivityType.DELIVERY:
                stops.append(shipments[visit.idx][1])
        if stops:
            routes.append(tuple(stops))
    found = tuple(check.problems(problem, tuple(routes)))
    return Solution(routes=tuple(routes), distance=check.total(problem, tuple(routes)),
                    feasible=result.best.is_feasible() and not found, iterations=result.num_iterations,
                    runtime=time.perf_counter() - began, problems=found)
