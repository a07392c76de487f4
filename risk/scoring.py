"""A store's score from a model version: probability, points, band and its top reasons in Chinese and English.

Reasons are the features that push this store's risk up the most, read from the model's exact
additive contributions (LightGBM's `pred_contrib` plus the base regression's terms), so what the
merchant is told is what the model did.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from risk.features import BY_NAME

# Lower bounds of points per band, best first (at the default scaling 600 = 50:1 good:bad odds).
BANDS = (("A", 660.0), ("B", 630.0), ("C", 600.0), ("D", 570.0), ("E", -math.inf))
TOP_REASONS = 3


@dataclass(frozen=True)
class Reason:
    feature: str
    value: float | None
    contribution: float  # log-odds this feature adds to the store's risk
    zh: str
    en: str

    def as_dict(self) -> dict:
        return {"feature": self.feature, "value": self.value, "contribution": round(self.contribution, 6),
                "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Score:
    probability: float
    points: float
    band: str
    reasons: tuple[Reason, ...]


def band_of(points: float) -> str:
    return next(band for band, floor in BANDS if points >= floor)


def _shown(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def reason_for(name: str, value: float | None, contribution: float) -> Reason:
    feature = BY_NAME.get(name)
    zh, en = (feature.zh, feature.en) if feature else (name, name)
    if value is None:
        return Reason(name, value, contribution, zh=f"{zh}暂无记录, 推高了风险",
                      en=f"no record of {en}, which raises the risk")
    return Reason(name, value, contribution, zh=f"{zh}为{_shown(value)}, 推高了风险",
                  en=f"{en} is {_shown(value)}, which raises the risk")


def score_features(model, features: dict[str, float | None], *, top: int = TOP_REASONS) -> Score:
    """Scores one row of features with a loaded `CreditModel`."""
    return score_rows(model, [features], top=top)[0]


def score_rows(model, rows: Sequence[dict[str, float | None]], *, top: int = TOP_REASONS) -> list[Score]:
    """Scores many rows with one call into LightGBM: the contributions, which sum exactly to the
    margin, give the probability and the reasons at once."""
    import numpy as np

    if not rows:
        return []
    names = [c.name for c in model.encoder_.columns]
    contributions = model.contributions_of_matrix(model._matrix(rows))
    probability = model.calibrator_.probability(contributions.sum(axis=1))
    points = model.points(probability)
    features = contributions[:, :-1]
    strongest = np.argsort(-features, axis=1, kind="stable")[:, :top]
    scores = []
    for i, row in enumerate(rows):
        reasons = tuple(reason_for(names[j], row.get(names[j]), float(features[i, j]))
                        for j in strongest[i] if features[i, j] > 0)
        p = float(probability[i])
        scores.append(Score(probability=p, points=float(points[i]), band=band_of(float(points[i])), reasons=reasons))
    return scores


def scores_of_matrix(model, x):
    """Probabilities, points and bands of many rows of the model's matrix, without reasons: one
    prediction per booster, the rest vectorised."""
    import numpy as np

    probability = model.calibrator_.probability(model.margin_of_matrix(x))
    points = model.points(probability)
    floors = np.array([floor for _band, floor in BANDS[:-1]])
    bands = np.array([band for band, _floor in BANDS])[np.sum(points[:, None] < floors[None, :], axis=1)]
    return probability, points, bands
