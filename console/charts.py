"""ECharts options for the console's figures, built from the reports' rows: pure functions, so the
figures are tested without a browser. Amounts are shown in yuan (fen / 100)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def _bars(categories: list[str], series: dict[str, list[int]], *, stack: bool = False,
          line: tuple[str, list[int]] | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 56, "right": 16, "top": 24, "bottom": 48},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value", "name": "¥"},
        "series": [{"name": name, "type": "bar", **({"stack": "total"} if stack else {}),
                    "data": [_yuan(v) for v in values]} for name, values in series.items()],
    }
    if line is not None:
        option["series"].append({"name": line[0], "type": "line", "data": [_yuan(v) for v in line[1]]})
    return option


def statement_by_day(lines: Iterable[dict], *, opening: int, day_of: Callable[[Any], str],
                     name_of: Callable[[str], str], balance_name: str) -> dict[str, Any]:
    """A store statement as stacked bars per day and kind (sales up, commission and refunds down)
    with the running balance as a line."""
    by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kinds: list[str] = []
    for line in lines:
        by_day[day_of(line["occurred_at"])][line["kind"]] += line["amount"]
        if line["kind"] not in kinds:
            kinds.append(line["kind"])
    days = sorted(by_day)
    balance, running = opening, []
    for day in days:
        balance += sum(by_day[day].values())
        running.append(balance)
    series = {name_of(kind): [by_day[day].get(kind, 0) for day in days] for kind in kinds}
    return _bars(days, series, stack=True, line=(balance_name, running))


def by_month(rows: Iterable[dict], *, value_names: dict[str, str]) -> dict[str, Any]:
    """Monthly bars, one series per value (`{"gmv": "GMV", ...}`), from rows with a `month`."""
    rows = list(rows)
    months = [row["month"] for row in rows]
    return _bars(months, {name: [row.get(key, 0) for row in rows] for key, name in value_names.items()})
