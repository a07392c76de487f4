"""`flask --app app logistics ...`: the routing code on published benchmark instances.

`solve` prints one JSON object as the last line of stdout; an instance that cannot be read or
served is one line on stderr naming the node or line, and a non-zero exit status, never a traceback.
"""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

logistics_cli = AppGroup("logistics", help="Delivery logistics: routing.")


@logistics_cli.command("solve")
@click.option("--instance", "path", required=True, help="A Solomon (VRPTW) or Li & Lim (PDPTW) text file.")
@click.option("--format", "fmt", type=click.Choice(["solomon", "lilim"]), required=True)
@click.option("--time-limit", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True,
              help="Seconds of search.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--best-known", type=click.FloatRange(min=0, min_open=True), default=None,
              help="The instance's best known distance: the answer then gives its gap to it.")
@click.option("--json", "as_json", is_flag=True, help="Only the JSON line on stdout.")
def solve_command(path: str, fmt: str, time_limit: float, seed: int, best_known: float | None,
                  as_json: bool) -> None:
    """Routes for a benchmark instance: its own customer numbers in visiting order, depot left out."""
    from logistics.routing import check, instances, solver

    try:
        problem = instances.load(path, fmt)
    except instances.InstanceError as exc:
        raise click.ClickException(str(exc)) from None
    solution = solver.solve(problem, time_limit=time_limit, seed=seed)
    # Solomon's best known distances count each arc truncated to one decimal; Li & Lim's are exact.
    counted = check.total(problem, solution.routes, truncate=fmt == "solomon")
    result = {
        "instance": problem.name, "format": fmt, "customers": len(problem.nodes),
        "routes": [list(route) for route in solution.routes], "vehicles": solution.vehicles,
        "distance": round(counted, 4), "distance_exact": round(solution.distance, 4),
        "feasible": solution.feasible, "problems": list(solution.problems), "solver": solution.solver,
        "iterations": solution.iterations, "time_limit": time_limit, "seconds": round(solution.runtime, 3),
        "seed": seed,
    }
    if best_known is not None:
        result["best_known"] = best_known
        result["gap"] = round(counted / best_known - 1, 6)
    if not as_json:
        click.echo(f"{problem.name}: {solution.vehicles} vehicles, distance {counted:.1f}"
                   + ("" if solution.feasible else " (INFEASIBLE)"))
    click.echo(json.dumps(result, ensure_ascii=False))
