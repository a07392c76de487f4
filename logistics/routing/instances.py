"""Benchmark instances from their published text formats, refused with one line naming the problem:
Solomon's VRPTW and Li & Lim's PDPTW (../shared/data/vrp/README.md describes both)."""
from __future__ import annotations

import math
from pathlib import Path

from logistics.routing.problem import Node, Problem, distance

FORMATS = ("solomon", "lilim")


class InstanceError(ValueError):
    """An instance that cannot be read or cannot be served; the message is one line naming where."""


def load(path: str | Path, fmt: str) -> Problem:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot be read ({exc.__class__.__name__}: {exc})") from None
    problem = parse_solomon(text, str(path)) if fmt == "solomon" else parse_lilim(text, str(path))
    check_servable(problem)
    return problem


def _numbers(line: str, count: int, where: str) -> list[float]:
    parts = line.split()
    if len(parts) != count:
        raise InstanceError(f"{where}: expected {count} numbers, found {len(parts)}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InstanceError(f"{where}: not a number in {line.strip()!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise InstanceError(f"{where}: a number is not finite")
    return values


def _whole(value: float, what: str, where: str) -> int:
    if value != int(value):
        raise InstanceError(f"{where}: {what} {value} is not a whole number")
    return int(value)


def parse_solomon(text: str, source: str = "instance") -> Problem:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    heads = [i for i, (_n, line) in enumerate(lines) if line.split()[0].upper() in ("VEHICLE", "CUSTOMER")]
    if len(heads) != 2 or len(lines) < heads[1] + 3:
        raise InstanceError(f"{source}: not a Solomon instance (VEHICLE and CUSTOMER sections expected)")
    n, line = lines[heads[0] + 2]
    vehicles, capacity = _numbers(line, 2, f"{source} line {n}")
    nodes = []
    for n, line in lines[heads[1] + 2:]:
        number, x, y, demand, ready, due, service = _numbers(line, 7, f"{source} line {n}")
        where = f"{source} line {n}"
        node_id = _whole(number, "customer number", where)
        if ready > due or service < 0:
            raise InstanceError(f"{where}: node {node_id} has an empty window or a negative service time")
        nodes.append(Node(node_id, x, y, _whole(demand, "demand", where), ready, due, service))
    return _problem(nodes, _whole(vehicles, "vehicle count", source), _whole(capacity, "capacity", source),
                    source, paired=False)


def parse_lilim(text: str, source: str = "instance") -> Problem:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) < 2:
        raise InstanceError(f"{source}: not a Li & Lim instance (a fleet line and tasks expected)")
    n, line = lines[0]
    vehicles, capacity, _speed = _numbers(line, 3, f"{source} line {n}")
    nodes = []
    for n, line in lines[1:]:
        where = f"{source} line {n}"
        number, x, y, demand, ready, due, service, pickup, delivery = _numbers(line, 9, where)
        node_id = _whole(number, "task number", where)
        if ready > due or service < 0:
            raise InstanceError(f"{where}: node {node_id} has an empty window or a negative service time")
        pickup, delivery = _whole(pickup, "pickup", where), _whole(delivery, "delivery", where)
        nodes.append(Node(node_id, x, y, _whole(demand, "demand", where), ready, due, service,
                          pickup_of=delivery or None if node_id else None,
                          delivery_of=pickup or None if node_id else None))
    problem = _problem(nodes, _whole(vehicles, "vehicle count", source), _whole(capacity, "capacity", source),
                       source, paired=True)
    by_id = problem.by_id()
    for node in problem.nodes:
        if node.pickup_of is None and node.delivery_of is None:
            raise InstanceError(f"{source}: node {node.id} is neither a pickup nor a delivery")
        if node.pickup_of is not None:
            other = by_id.get(node.pickup_of)
            if other is None or other.delivery_of != node.id:
                raise InstanceError(f"{source}: node {node.id} is a pickup whose delivery {node.pickup_of} "
                                    "does not name it back")
            if node.demand <= 0 or other.demand != -node.demand:
                raise InstanceError(f"{source}: node {node.id}'s demand {node.demand} is not picked up at it and "
                                    f"dropped at {other.id}")
        elif by_id.get(node.delivery_of) is None or by_id[node.delivery_of].pickup_of != node.id:
            raise InstanceError(f"{source}: node {node.id} is a delivery whose pickup {node.delivery_of} "
                                "does not name it back")
    return problem


def _problem(nodes: list[Node], vehicles: int, capacity: int, source: str, *, paired: bool) -> Problem:
    if not nodes or nodes[0].id != 0:
        raise InstanceError(f"{source}: the first node must be the depot, numbered 0")
    seen: set[int] = set()
    for node in nodes:
        if node.id in seen:
            raise InstanceError(f"{source}: node {node.id} appears twice")
        seen.add(node.id)
    if vehicles < 1 or capacity < 1:
        raise InstanceError(f"{source}: needs at least one vehicle of positive capacity")
    if len(nodes) < 2:
        raise InstanceError(f"{source}: has no customer to visit")
    return Problem(depot=nodes[0], nodes=tuple(nodes[1:]), vehicles=vehicles, capacity=capacity, paired=paired,
                   name=Path(source).stem)


def check_servable(problem: Problem) -> None:
    """Refuses what no vehicle can do alone: a load above capacity, a window no vehicle can reach
    from the depot and still return by its close, a pair whose delivery cannot follow its pickup."""
    depot, by_id = problem.depot, problem.by_id()
    for node in problem.nodes:
        if abs(node.demand) > problem.capacity:
            raise InstanceError(f"node {node.id}: demand {abs(node.demand)} is above the vehicle capacity "
                                f"{problem.capacity}")
        arrive = max(depot.ready + distance(depot, node), node.ready)
        if arrive > node.due + 1e-9:
            raise InstanceError(f"node {node.id}: its window closes at {node.due:g}, before a vehicle from the "
                                f"depot can arrive ({arrive:.1f})")
        if node.pickup_of is not None:
            drop = by_id[node.pickup_of]
            at_drop = max(arrive + node.service + distance(node, drop), drop.ready)
            if at_drop > drop.due + 1e-9:
                raise InstanceError(f"node {drop.id}: its window closes at {drop.due:g}, before its goods "
                                    f"from node {node.id} can arrive ({at_drop:.1f})")
            if at_drop + drop.service + distance(drop, depot) > depot.due + 1e-9:
                raise InstanceError(f"node {drop.id}: a vehicle serving it after node {node.id} cannot be back "
                                    f"at the depot by its close {depot.due:g}")
        elif node.delivery_of is None and arrive + node.service + distance(node, depot) > depot.due + 1e-9:
            raise InstanceError(f"node {node.id}: a vehicle serving it cannot be back at the depot by its close "
                                f"{depot.due:g}")
