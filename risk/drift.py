"""Population stability: how far a feature's (or the score's) distribution moved from the training sample."""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence

ALERT, ACT = 0.10, 0.25  # the usual thresholds: watch from 0.10, act from 0.25
_FLOOR = 1e-4  # an empty bin counts as this share, so the index stays finite
BINS = 10


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _edges(expected: Sequence[float], bins: int) -> list[float]:
    values = sorted(expected)
    cuts = [values[min(len(values) - 1, int(len(values) * b / bins))] for b in range(1, bins)]
    return sorted(set(cuts))


def _shares(values: Sequence[float | None], edges: list[float]) -> list[float]:
    counts = [0] * (len(edges) + 2)  # the bins between edges, and a last one for missing values
    for value in values:
        if _missing(value):
            counts[-1] += 1
        else:
            counts[bisect_right(edges, value)] += 1  # the number of edges at or below it
    total = max(1, len(values))
    return [max(_FLOOR, count / total) for count in counts]


def reference_bins(expected: Sequence[float | None], bins: int = BINS) -> dict:
    """What a model keeps of its training sample to measure drift against later: the sample's
    decile edges and the share of it in each bin (the last bin holds the missing values)."""
    present = [float(v) for v in expected if not _missing(v)]
    edges = _edges(present, bins) if present else []
    return {"edges": [float(e) for e in edges], "shares": _shares(expected, edges)}


def index_against(reference: Mapping, actual: Sequence[float | None]) -> float:
    """PSI of `actual` against a reference kept by `reference_bins`."""
    expected = [max(_FLOOR, share) for share in reference["shares"]]
    observed = _shares(actual, list(reference["edges"]))
    return float(sum((a - e) * math.log(a / e) for a, e in zip(observed, expected, strict=True)))


def population_stability_index(expected: Sequence[float | None], actual: Sequence[float | None],
                               bins: int = BINS) -> float:
    """PSI = sum over bins of (actual - expected) * ln(actual / expected), bins from the expected
    sample's deciles (missing values are a bin of their own)."""
    return index_against(reference_bins(expected, bins), actual)


def drift_level(psi: float) -> str | None:
    """None while stable; "alert" from 0.10, "act" from 0.25."""
    return "act" if psi >= ACT else "alert" if psi >= ALERT else None


def drift_report(reference: Mapping, features: Sequence[Mapping[str, float | None]],
                 scores: Sequence[float]) -> dict:
    """PSI of each feature the reference knows and of the score, with its level, worst first."""
    indices = [(name, index_against(bins, [row.get(name) for row in features]))
               for name, bins in reference.get("features", {}).items()]
    if "score" in reference:
        indices.append(("(score)", index_against(reference["score"], list(scores))))
    ranked = sorted(indices, key=lambda item: item[1], reverse=True)
    return {"rows": len(features), "psi": [{"name": name, "psi": round(psi, 6), "level": drift_level(psi)}
                                           for name, psi in ranked]}
