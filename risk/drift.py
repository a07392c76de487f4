"""Population stability: how far a feature's (or the score's) distribution moved from the training sample."""
from __future__ import annotations

import math
from collections.abc import Sequence

ALERT, ACT = 0.10, 0.25  # the usual thresholds: watch from 0.10, act from 0.25
_FLOOR = 1e-4  # an empty bin counts as this share, so the index stays finite


def _edges(expected: Sequence[float], bins: int) -> list[float]:
    values = sorted(expected)
    cuts = [values[min(len(values) - 1, int(len(values) * b / bins))] for b in range(1, bins)]
    return sorted(set(cuts))


def _shares(values: Sequence[float | None], edges: list[float]) -> list[float]:
    counts = [0] * (len(edges) + 2)  # the bins between edges, and a last one for missing values
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            counts[-1] += 1
        else:
            counts[sum(value >= edge for edge in edges)] += 1
    total = max(1, len(values))
    return [max(_FLOOR, count / total) for count in counts]


def population_stability_index(expected: Sequence[float | None], actual: Sequence[float | None],
                               bins: int = 10) -> float:
    """PSI = sum over bins of (actual - expected) * ln(actual / expected), bins from the expected
    sample's deciles (missing values are a bin of their own)."""
    present = [v for v in expected if v is not None and not (isinstance(v, float) and math.isnan(v))]
    edges = _edges(present, bins) if present else []
    e, a = _shares(expected, edges), _shares(actual, edges)
    return float(sum((ai - ei) * math.log(ai / ei) for ai, ei in zip(a, e, strict=True)))


def drift_level(psi: float) -> str | None:
    """None while stable; "alert" from 0.10, "act" from 0.25."""
    return "act" if psi >= ACT else "alert" if psi >= ALERT else None
