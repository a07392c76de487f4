"""The credit-model pipeline: LightGBM under monotone constraints, calibrated, scaled to points, audited.

`CreditModel` follows scikit-learn's estimator conventions (`fit`, `predict_proba`, all state on the
object) and is an artifact that round-trips through bytes (JSON, no pickle). Its margin is the mean
of two LightGBM boosters over the same features: one boosted from a constant, one boosted from a
logistic-regression base margin (an L2 logistic regression on standardised numbers and one-hot
categories whose coefficients are bounded to the features' directions of risk). On small credit
tables the first is what trees do well (interactions, thresholds, categories) and the second keeps
what a linear score does well (smooth monotone trends); averaged they beat either alone on every
public set we measured, and the sum stays exactly additive, so `pred_contrib` still explains it.

Everything is learned inside `fit`, from the rows it is given: category levels, medians, scaling,
the number of rounds (early stopping on an inner cross-validation) and the calibration (Platt on
the inner out-of-fold margins, isotonic once both classes have `isotonic_min_outcomes` rows). So
`cross_validate`, which calls `fit` on each outer training fold and scores the fold it held out,
measures the whole pipeline without leakage: out-of-time (expanding windows: train on earlier
periods, validate on the next) when the rows have a time, stratified k-fold otherwise.

numpy, scipy, scikit-learn and LightGBM are imported here only: import this module inside the
functions that train or score, never at app start-up.
"""
from __future__ import annotations

import itertools
import json
import math
import operator
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from threadpoolctl import threadpool_limits

ARTIFACT_FORMAT = "linli-credit-model/1"
NUMERIC, CATEGORICAL = "numeric", "categorical"
_TIE_BREAK = 1e-3  # share of Platt mixed into isotonic, so equal plateaus still rank by margin


@dataclass(frozen=True)
class TrainingConfig:
    """Parameters suited to small credit tables (hundreds to tens of thousands of rows)."""

    folds: int = 5
    inner_folds: int = 5
    learning_rate: float = 0.03
    num_leaves: int = 7
    max_depth: int = 3
    min_data_in_leaf: int = 20
    lambda_l2: float = 5.0
    feature_fraction: float = 0.7
    bagging_fraction: float = 0.8
    min_data_per_group: int = 10
    cat_smooth: float = 10.0
    max_rounds: int = 3000
    early_stopping_rounds: int = 100
    linear_l2: float = 1.0  # the base logistic regression's penalty (scikit-learn's C = 1 / this)
    min_level_count: int = 5  # rarer categories share the base regression's reference level
    isotonic_min_outcomes: int = 500  # Platt below this many rows of the rarer class, isotonic from it
    base_score: float = 600.0  # points at `base_odds`
    base_odds: float = 50.0  # good : bad odds at the base score
    points_to_double_odds: float = 20.0
    seed: int = 0
    threads: int = 1


class TrainingDataError(ValueError):
    """Rows the pipeline cannot learn from; the message names the problem in one line."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # NUMERIC or CATEGORICAL
    monotone: int = 0  # +1: a larger value never lowers the probability; -1: never raises it
    levels: tuple[str, ...] = ()  # a categorical column's training levels; code = index


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_float(value: Any) -> float:
    if _is_missing(value) or (isinstance(value, str) and not value.strip()):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def as_columns(data: Mapping[str, Any] | Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Column arrays from a DataFrame, a mapping of columns, or a list of row dicts."""
    if isinstance(data, Sequence):
        return {name: np.array([row.get(name) for row in data], dtype=object) for name in names}
    return {name: np.asarray(data[name], dtype=object) for name in names}


def numeric_values(values: np.ndarray) -> np.ndarray:
    try:
        out = np.array(values, dtype=float)  # a copy: the caller's array stays as it was
    except (TypeError, ValueError):
        out = np.array([_as_float(v) for v in values], dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def _text(value: Any) -> str | None:
    return None if _is_missing(value) else str(value).strip()


def _subset(data: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in data.items()}


class _Encoder:
    """Columns to LightGBM's float matrix: numbers as they are, categories as level codes (NaN unseen)."""

    def __init__(self, columns: list[Column]):
        self.columns = columns
        self._codes = [{level: code for code, level in enumerate(c.levels)} for c in columns]

    @classmethod
    def learn(cls, data: dict[str, np.ndarray], names: list[str], categorical: set[str],
              monotone: Mapping[str, int]) -> _Encoder:
        columns = []
        for name in names:
            if name in categorical:
                levels = sorted({t for t in (_text(v) for v in data[name]) if t is not None})
                columns.append(Column(name, CATEGORICAL, 0, tuple(levels)))
            else:
                columns.append(Column(name, NUMERIC, int(monotone.get(name, 0))))
        return cls(columns)

    def matrix(self, data: dict[str, np.ndarray]) -> np.ndarray:
        n = len(next(iter(data.values()))) if data else 0
        out = np.empty((n, len(self.columns)), dtype=float)
        for j, column in enumerate(self.columns):
            values = data[column.name]
            if column.kind == NUMERIC:
                out[:, j] = numeric_values(values)
            else:
                codes = self._codes[j]
                out[:, j] = [codes.get(_text(v), math.nan) if not _is_missing(v) else math.nan for v in values]
        return out

    def matrix_of_rows(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Rows of numbers straight into the matrix (one conversion, None as NaN): the scoring path."""
        if any(c.kind != NUMERIC for c in self.columns):
            return self.matrix(as_columns(rows, [c.name for c in self.columns]))
        names = [c.name for c in self.columns]
        values = operator.itemgetter(*names)
        try:
            out = np.array([values(row) for row in rows], dtype=float).reshape(-1, len(names))
        except (KeyError, TypeError, ValueError):  # a feature missing from a row, or text in it
            return self.matrix(as_columns(rows, names))
        out[~np.isfinite(out)] = np.nan
        return out

    @property
    def categorical_indices(self) -> list[int]:
        return [j for j, c in enumerate(self.columns) if c.kind == CATEGORICAL]


class _LinearBase:
    """L2 logistic regression on standardised numbers (median-imputed, with missing flags) and one-hot
    categories, its coefficients bounded to each column's monotone direction."""

    def __init__(self, state: dict):
        self.state = state

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, columns: list[Column], config: TrainingConfig) -> _LinearBase:
        design: list[dict] = []  # one entry per design column: source column, transform
        for j, column in enumerate(columns):
            values = x[:, j]
            missing = np.isnan(values)
            if column.kind == NUMERIC:
                present = values[~missing]
                median = float(np.median(present)) if present.size else 0.0
                filled = np.where(missing, median, values)
                low, high = (float(present.min()), float(present.max())) if present.size else (0.0, 0.0)
                std = float(filled.std()) or 1.0
                design.append({"source": j, "kind": "value", "median": median, "low": low, "high": high,
                               "mean": float(filled.mean()), "std": std, "monotone": column.monotone})
                if missing.any() and not missing.all():
                    design.append({"source": j, "kind": "missing"})
            else:
                codes, counts = np.unique(values[~missing], return_counts=True)
                design += [{"source": j, "kind": "level", "code": float(code)}
                           for code, count in zip(codes, counts, strict=True) if count >= config.min_level_count]
                if missing.sum() >= config.min_level_count:
                    design.append({"source": j, "kind": "missing"})
        base = cls({"design": design})
        z = base._design(x)
        centre = z.mean(axis=0)
        bounds = [(0.0, None) if d.get("monotone", 0) > 0 else (None, 0.0) if d.get("monotone", 0) < 0
                  else (None, None) for d in design] + [(None, None)]

        def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = params[:-1], params[-1]
            s = z @ w + b
            value = float(np.sum(np.logaddexp(0.0, s) - y * s) + 0.5 * config.linear_l2 * w @ w)
            residual = expit(s) - y
            return value, np.append(z.T @ residual + config.linear_l2 * w, residual.sum())

        rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        start = np.append(np.zeros(z.shape[1]), math.log(rate / (1 - rate)))
        result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
        base.state.update(weights=result.x[:-1].tolist(), intercept=float(result.x[-1]), centre=centre.tolist())
        return base

    def _design(self, x: np.ndarray) -> np.ndarray:
        plan = self.__dict__.get("_plan") or self._make_plan()
        z = np.empty((x.shape[0], len(self.state["design"])))
        if plan["value"][0].size:
            position, source, median, low, high, mean, std = plan["value"]
            values = x[:, source]
            values = np.where(np.isnan(values), median, values)
            np.clip(values, low, high, out=values)
            z[:, position] = (values - mean) / std
        position, source = plan["missing"]
        z[:, position] = np.isnan(x[:, source])
        position, source, code = plan["level"]
        z[:, position] = x[:, source] == code
        return z

    def _make_plan(self) -> dict:
        """The design's columns grouped by transform, as index arrays: one vectorised step per group
        instead of one per column (scoring a batch spends its time here otherwise)."""
        design = self.state["design"]

        def pick(kind: str, *keys: str) -> tuple[np.ndarray, ...]:
            chosen = [(k, d) for k, d in enumerate(design) if d["kind"] == kind]
            return (np.array([k for k, _d in chosen], dtype=int),
                    np.array([d["source"] for _k, d in chosen], dtype=int),
                    *(np.array([d[key] for _k, d in chosen], dtype=float) for key in keys))

        plan = {"value": pick("value", "median", "low", "high", "mean", "std"), "missing": pick("missing"),
                "level": pick("level", "code")}
        self.__dict__["_plan"] = plan
        return plan

    def margin(self, x: np.ndarray) -> np.ndarray:
        return self._design(x) @ np.asarray(self.state["weights"]) + self.state["intercept"]

    def contributions(self, x: np.ndarray, n_columns: int) -> np.ndarray:
        """Per source column (and a last bias column), summing to `margin`."""
        w, centre = np.asarray(self.state["weights"]), np.asarray(self.state["centre"])
        parts = (self._design(x) - centre) * w
        out = np.zeros((x.shape[0], n_columns + 1))
        for k, d in enumerate(self.state["design"]):
            out[:, d["source"]] += parts[:, k]
        out[:, -1] = self.state["intercept"] + float(centre @ w)
        return out


class _Calibrator:
    """Margin to probability: Platt's sigmoid, or isotonic (tie-broken by Platt) with enough outcomes."""

    def __init__(self, state: dict):
        self.state = state

    @classmethod
    def fit(cls, margin: np.ndarray, y: np.ndarray, config: TrainingConfig) -> _Calibrator:
        positives, negatives = int(y.sum()), int(len(y) - y.sum())
        # Platt's targets: smoothed, so a separable fold does not push the slope to infinity.
        target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))

        def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
            s = p[0] * margin + p[1]
            residual = expit(s) - target
            value = float(np.sum(np.logaddexp(0.0, s) - target * s))
            return value, np.array([residual @ margin, residual.sum()])

        a, b = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
                        bounds=[(1e-6, None), (None, None)]).x  # a positive slope keeps the ranking
        state: dict[str, Any] = {"kind": "platt", "a": float(a), "b": float(b)}
        if min(positives, negatives) >= config.isotonic_min_outcomes:
            from sklearn.isotonic import IsotonicRegression

            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(margin, y)
            state.update(kind="isotonic", x=iso.X_thresholds_.tolist(), y=iso.y_thresholds_.tolist())
        return cls(state)

    def probability(self, margin: np.ndarray) -> np.ndarray:
        s = self.state
        platt = expit(s["a"] * margin + s["b"])
        if s["kind"] == "platt":
            return platt
        return (1 - _TIE_BREAK) * np.interp(margin, s["x"], s["y"]) + _TIE_BREAK * platt


def _params(config: TrainingConfig, n: int, monotone: list[int]) -> dict:
    """LightGBM's parameters. Constraints by the "intermediate" method: "advanced" broke them on rows
    with missing values in our audit (LightGBM issues #5358, #6155), and either method without any
    constraint crashes beside categorical features (#6841), so neither is set then."""
    small = max(3, n // 40)  # leaves of 20 rows on 1,000; fewer on a tiny table, so it can still split
    return {
        "objective": "binary", "metric": "auc", "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves, "max_depth": config.max_depth,
        "min_data_in_leaf": min(config.min_data_in_leaf, small), "min_sum_hessian_in_leaf": 1e-3,
        "lambda_l2": config.lambda_l2, "feature_fraction": config.feature_fraction,
        "bagging_fraction": config.bagging_fraction, "bagging_freq": 1,
        "min_data_per_group": min(config.min_data_per_group, small), "cat_smooth": config.cat_smooth,
        "cat_l2": config.cat_smooth, "seed": config.seed, "deterministic": True, "force_col_wise": True,
        "num_threads": config.threads, "verbosity": -1,
    } | ({"monotone_constraints": monotone, "monotone_constraints_method": "intermediate"} if any(monotone) else {})


def _stratified_folds(y: np.ndarray, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def time_blocks(time: np.ndarray, blocks: int) -> list[np.ndarray]:
    """Rows split into up to `blocks` consecutive periods of similar size; one time never straddles two."""
    order = np.argsort(time, kind="stable")
    distinct = np.unique(time)
    cuts = np.unique(np.searchsorted(time[order], distinct, side="left"))
    edges = [0]
    for b in range(1, blocks):
        target = len(time) * b / blocks
        candidate = cuts[np.argmin(np.abs(cuts - target))]
        if candidate > edges[-1]:
            edges.append(int(candidate))
    edges.append(len(time))
    return [order[a:b] for a, b in itertools.pairwise(edges) if b > a]


def _inner_folds(y: np.ndarray, time: np.ndarray | None, config: TrainingConfig):
    if time is not None:
        blocks = time_blocks(time, 5)
        if len(blocks) >= 3:  # train on the earlier periods, stop early on the later ones
            folds = [(np.concatenate(blocks[:i]), blocks[i]) for i in range(len(blocks) - 2, len(blocks))]
            folds = [(a, b) for a, b in folds if min(np.bincount(y[a], minlength=2)) >= 1 and len(set(y[b])) == 2]
            if folds:
                return folds
    k = max(2, min(config.inner_folds, int(min(np.bincount(y, minlength=2))) // 2))
    return _stratified_folds(y, k, config.seed + 1)


class CreditModel:
    """A calibrated probability of the positive class (a default), its points, and its explanation."""

    def __init__(self, config: TrainingConfig | None = None, *, dask=None):
        self.config = config or TrainingConfig()
        self.dask = dask  # a distributed.Client: the boosters grow on its cluster (not part of the artifact)

    # -- fitting -----------------------------------------------------------------------------------
    def fit(self, data, y, *, names: Sequence[str] | None = None, categorical: Sequence[str] = (),
            monotone: Mapping[str, int] | None = None, time: np.ndarray | None = None) -> CreditModel:
        # BLAS threads cost more than they give on these small matrices (50x on two busy cores).
        with threadpool_limits(self.config.threads):
            return self._fit(data, y, names=names, categorical=categorical, monotone=monotone, time=time)

    def _fit(self, data, y, *, names, categorical, monotone, time) -> CreditModel:
        names = list(names if names is not None else (data.columns if hasattr(data, "columns") else data))
        columns = data if isinstance(data, dict) and all(isinstance(v, np.ndarray) for v in data.values()) \
            else as_columns(data, names)
        y = np.asarray(y, dtype=int)
        self.encoder_ = _Encoder.learn(columns, names, set(categorical), monotone or {})
        x = self.encoder_.matrix(columns)
        cols = self.encoder_.columns
        params = _params(self.config, len(y), [c.monotone for c in cols])
        categorical_indices = self.encoder_.categorical_indices
        folds = _inner_folds(y, None if time is None else np.asarray(time), self.config)

        # Inner out-of-fold base margins, so early stopping sees the base as it is on unseen rows.
        base_oof = np.full(len(y), np.nan)
        for train_rows, valid_rows in folds:
            base_oof[valid_rows] = _LinearBase.fit(x[train_rows], y[train_rows], cols, self.config).margin(
                x[valid_rows])
        self.base_ = _LinearBase.fit(x, y, cols, self.config)
        base_all = self.base_.margin(x)
        # Rows no inner fold validates (the earliest periods) train the inner folds on the full base.
        base_inner = np.where(np.isnan(base_oof), base_all, base_oof)
        oof = np.zeros(len(y))
        self.boosters_, self.rounds_ = [], []
        for init_oof, init_all in ((None, None), (base_inner, base_all)):
            if self.dask is None:
                rounds, booster_oof = self._rounds(x, y, params, categorical_indices, folds, init_oof)
                dataset = lgb.Dataset(x, y, init_score=init_all, categorical_feature=categorical_indices,
                                      free_raw_data=False, params={"verbosity": -1})
                booster = lgb.train(params, dataset, num_boost_round=rounds)
            else:
                rounds, booster_oof = self._rounds_on_dask(x, y, params, categorical_indices, folds, init_oof)
                booster = self._grow_on_dask(x, y, params, categorical_indices, init_all, rounds)
            self.boosters_.append(booster)
            self.rounds_.append(rounds)
            oof += booster_oof + (0 if init_oof is None else init_oof)
        oof /= 2
        scored = ~np.isnan(base_oof)
        self.calibrator_ = _Calibrator.fit(oof[scored], y[scored], self.config)
        self.positive_rate_ = float(y.mean())
        return self

    def _rounds(self, x, y, params, categorical, folds, init_score) -> tuple[int, np.ndarray]:
        """Rounds by early stopping on the inner folds, and the inner out-of-fold raw scores at them."""
        dataset = lgb.Dataset(x, y, init_score=init_score, categorical_feature=categorical,
                              free_raw_data=False, params={"verbosity": -1})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = lgb.cv(params, dataset, num_boost_round=self.config.max_rounds, folds=folds,
                            callbacks=[lgb.early_stopping(self.config.early_stopping_rounds, verbose=False)],
                            return_cvbooster=True)
        rounds = len(result["valid auc-mean"])
        oof = np.zeros(len(y))
        for booster, (_train_rows, valid_rows) in zip(result["cvbooster"].boosters, folds, strict=True):
            oof[valid_rows] = booster.predict(x[valid_rows], num_iteration=rounds, raw_score=True)
        return rounds, oof

    # -- on a Dask cluster --------------------------------------------------------------------------
    def _grow_on_dask(self, x, y, params, categorical, init_score, rounds: int) -> lgb.Booster:
        """One booster grown by LightGBM's Dask interface, the rows split across the cluster's workers
        (data-parallel: each worker's histograms are summed, so leaves see every row)."""
        import dask.array as da
        from lightgbm import DaskLGBMClassifier

        workers = max(1, len(self.dask.scheduler_info()["workers"]))
        chunk = max(1, math.ceil(len(y) / workers))
        native = {k: v for k, v in params.items() if k not in ("metric", "num_threads", "objective")}
        model = DaskLGBMClassifier(client=self.dask, objective="binary", n_estimators=rounds,
                                   n_jobs=self.config.threads, **native)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(da.from_array(x, chunks=(chunk, x.shape[1])), da.from_array(y, chunks=chunk),
                      init_score=None if init_score is None else da.from_array(init_score, chunks=chunk),
                      categorical_feature=categorical or "auto")
        return model.booster_

    def _rounds_on_dask(self, x, y, params, categorical, folds, init_score) -> tuple[int, np.ndarray]:
        """`_rounds` on the cluster. LightGBM's Dask interface has no early stopping (each worker sees
        only its share of a validation set), so each inner fold grows `max_rounds` trees there and the
        same rule is applied here afterwards: the round of the best mean AUC across the folds, stopping
        once `early_stopping_rounds` pass without a better one."""
        from sklearn.metrics import roc_auc_score

        curves, staged = [], []
        for train_rows, valid_rows in folds:
            booster = self._grow_on_dask(x[train_rows], y[train_rows], params, categorical,
                                         None if init_score is None else init_score[train_rows],
                                         self.config.max_rounds)
            leaves = booster.predict(x[valid_rows], pred_leaf=True).astype(int)
            trees = leaves.shape[1]
            values = np.zeros((trees, int(leaves.max()) + 1))
            for tree in range(trees):
                for leaf in np.unique(leaves[:, tree]):
                    values[tree, leaf] = booster.get_leaf_output(tree, int(leaf))
            raw = np.zeros(len(valid_rows)) if init_score is None else init_score[valid_rows].copy()
            curve, sums = np.empty(trees), np.empty((trees, len(valid_rows)))
            for tree in range(trees):
                raw += values[tree, leaves[:, tree]]
                curve[tree] = roc_auc_score(y[valid_rows], raw)
                sums[tree] = raw
            curves.append(curve)
            staged.append(sums - (0 if init_score is None else init_score[valid_rows]))
        mean = np.mean([c[:min(len(c) for c in curves)] for c in curves], axis=0)
        best, best_round = -np.inf, 1
        for index, auc in enumerate(mean):
            if auc > best:
                best, best_round = auc, index + 1
            elif index + 1 - best_round >= self.config.early_stopping_rounds:
                break
        oof = np.zeros(len(y))
        for sums, (_train_rows, valid_rows) in zip(staged, folds, strict=True):
            oof[valid_rows] = sums[best_round - 1]
        return best_round, oof

    # -- predicting --------------------------------------------------------------------------------
    def _matrix(self, data) -> np.ndarray:
        if isinstance(data, Sequence) and not isinstance(data, str):
            return self.encoder_.matrix_of_rows(data)
        names = [c.name for c in self.encoder_.columns]
        return self.encoder_.matrix(data if isinstance(data, dict) and all(
            isinstance(v, np.ndarray) for v in data.values()) else as_columns(data, names))

    def margin_of_matrix(self, x: np.ndarray) -> np.ndarray:
        trees, boosted = self.boosters_
        return (trees.predict(x, raw_score=True) + boosted.predict(x, raw_score=True) + self.base_.margin(x)) / 2

    def decision_function(self, data) -> np.ndarray:
        """The uncalibrated log-odds of the positive class (what AUC and the audit read)."""
        return self.margin_of_matrix(self._matrix(data))

    def predict_proba(self, data) -> np.ndarray:
        p = self.calibrator_.probability(self.decision_function(data))
        return np.column_stack([1 - p, p])

    def points(self, probability: np.ndarray) -> np.ndarray:
        """Score points: `base_score` at `base_odds` good:bad, `points_to_double_odds` more per doubling."""
        c = self.config
        p = np.clip(probability, 1e-6, 1 - 1e-6)
        factor = c.points_to_double_odds / math.log(2)
        return c.base_score + factor * (np.log((1 - p) / p) - math.log(c.base_odds))

    def contributions(self, data) -> tuple[list[str], np.ndarray]:
        """Each feature's share of the margin (LightGBM's `pred_contrib` plus the base's terms), last
        column the bias; a row sums to its `decision_function`."""
        return [c.name for c in self.encoder_.columns] + ["(bias)"], self.contributions_of_matrix(self._matrix(data))

    def contributions_of_matrix(self, x: np.ndarray) -> np.ndarray:
        trees, boosted = self.boosters_
        return (trees.predict(x, pred_contrib=True) + boosted.predict(x, pred_contrib=True)
                + self.base_.contributions(x, x.shape[1])) / 2

    # -- the artifact ------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        state = {
            "format": ARTIFACT_FORMAT, "config": asdict(self.config),
            "columns": [asdict(c) for c in self.encoder_.columns],
            "boosters": [b.model_to_string() for b in self.boosters_], "rounds": self.rounds_,
            "base": self.base_.state, "calibrator": self.calibrator_.state, "positive_rate": self.positive_rate_,
        }
        return zlib.compress(json.dumps(state).encode())

    @classmethod
    def from_bytes(cls, blob: bytes) -> CreditModel:
        state = json.loads(zlib.decompress(blob))
        if state.get("format") != ARTIFACT_FORMAT:
            raise ValueError(f"not a credit model artifact: {state.get('format')!r}")
        model = cls(TrainingConfig(**state["config"]))
        model.encoder_ = _Encoder([Column(c["name"], c["kind"], c["monotone"], tuple(c["levels"]))
                                   for c in state["columns"]])
        model.boosters_ = [lgb.Booster(model_str=text) for text in state["boosters"]]
        model.rounds_ = state["rounds"]
        model.base_ = _LinearBase(state["base"])
        model.calibrator_ = _Calibrator(state["calibrator"])
        model.positive_rate_ = state["positive_rate"]
        return model


# -- metrics ---------------------------------------------------------------------------------------
def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov-Smirnov: the widest gap between the score distributions of the two classes."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, score)
    return float(np.max(tpr - fpr))


def calibration_table(y: np.ndarray, probability: np.ndarray, bins: int = 10) -> list[dict]:
    """Rows grouped by predicted probability (deciles): how many, predicted and observed rates."""
    order = np.argsort(probability, kind="stable")
    table = []
    for rows in np.array_split(order, min(bins, len(order))):
        if rows.size:
            table.append({"rows": int(rows.size), "predicted": round(float(probability[rows].mean()), 6),
                          "observed": round(float(y[rows].mean()), 6)})
    return table


def monotone_violations(model: CreditModel, data, *, sample: int = 200, grid: int = 16) -> int:
    """Rows x constrained features where moving the feature up moves the probability the wrong way.

    Each sampled row is re-scored with the feature set to each of `grid` quantiles of its values; a
    violation is a step against the declared direction (beyond float noise).
    """
    x = model._matrix(data)
    rng = np.random.default_rng(model.config.seed)
    rows = x[rng.choice(len(x), size=min(sample, len(x)), replace=False)]
    violations = 0
    for j, column in enumerate(model.encoder_.columns):
        if column.monotone == 0:
            continue
        present = x[:, j][~np.isnan(x[:, j])]
        if present.size == 0:
            continue
        values = np.unique(np.quantile(present, np.linspace(0, 1, grid)))
        probe = np.repeat(rows, len(values), axis=0)
        probe[:, j] = np.tile(values, len(rows))
        p = model.calibrator_.probability(model.margin_of_matrix(probe)).reshape(len(rows), len(values))
        steps = np.diff(p, axis=1) * column.monotone
        violations += int(np.sum(np.any(steps < -1e-9, axis=1)))
    return violations


@dataclass
class Evaluation:
    validation: str
    folds: list[dict] = field(default_factory=list)
    auc: float = math.nan
    ks: float = math.nan
    brier: float = math.nan
    calibration: list[dict] = field(default_factory=list)
    rows_validated: int = 0


def cross_validate(columns: dict[str, np.ndarray], y: np.ndarray, *, names: list[str], categorical: Sequence[str],
                   monotone: Mapping[str, int], time: np.ndarray | None, config: TrainingConfig,
                   dask=None) -> Evaluation:
    """Fits the whole pipeline on each outer training fold and scores the fold held out."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    if time is not None:
        blocks = time_blocks(time, config.folds + 1)
        if len(blocks) < 2:
            raise TrainingDataError("the time column has a single period: out-of-time validation needs two")
        splits = [(np.concatenate(blocks[:i]), blocks[i]) for i in range(1, len(blocks))]
        validation = f"out-of-time: {len(splits)} expanding windows (train on earlier periods, validate on the next)"
    else:
        k = max(2, min(config.folds, int(min(np.bincount(y, minlength=2))) // 4))
        splits = _stratified_folds(y, k, config.seed)
        validation = f"stratified {k}-fold cross-validation"
    evaluation = Evaluation(validation=validation)
    margins, probabilities, labels = [], [], []
    for train_rows, valid_rows in splits:
        train_y, valid_y = y[train_rows], y[valid_rows]
        if min(np.bincount(train_y, minlength=2)) < 2 or len(set(valid_y)) < 2:
            continue  # a period without both outcomes can neither train nor be ranked
        model = CreditModel(config, dask=dask).fit(
            _subset(columns, train_rows), train_y, names=names, categorical=categorical, monotone=monotone,
            time=None if time is None else time[train_rows])
        held_out = _subset(columns, valid_rows)
        margin = model.decision_function(held_out)
        probability = model.calibrator_.probability(margin)
        evaluation.folds.append({"rows": len(valid_rows), "auc": float(roc_auc_score(valid_y, margin)),
                                 "ks": ks_statistic(valid_y, margin), "rounds": model.rounds_})
        margins.append(margin)
        probabilities.append(probability)
        labels.append(valid_y)
    if not evaluation.folds:
        raise TrainingDataError("no validation fold had both outcomes")
    y_all, p_all = np.concatenate(labels), np.concatenate(probabilities)
    evaluation.auc = float(np.mean([f["auc"] for f in evaluation.folds]))
    evaluation.ks = float(np.mean([f["ks"] for f in evaluation.folds]))
    evaluation.brier = float(brier_score_loss(y_all, p_all))
    evaluation.calibration = calibration_table(y_all, p_all)
    evaluation.rows_validated = len(y_all)
    return evaluation


@dataclass
class TrainingResult:
    model: CreditModel
    evaluation: Evaluation
    monotone_violations: int
    names: list[str]
    categorical: list[str]
    monotone: dict[str, int]
    reference: dict = field(default_factory=dict)  # the training sample's bins, for drift (risk.drift)

    def features(self) -> list[dict]:
        return [{"name": c.name, "kind": c.kind, "monotone": c.monotone} for c in self.model.encoder_.columns]

    def metrics(self) -> dict:
        e = self.evaluation
        return {"auc": e.auc, "gini": 2 * e.auc - 1, "ks": e.ks, "brier": e.brier, "validation": e.validation,
                "folds": e.folds, "rows_validated": e.rows_validated, "calibration_table": e.calibration,
                "calibration": self.model.calibrator_.state["kind"], "monotone_violations": self.monotone_violations,
                "rounds": self.model.rounds_}


def train(columns: dict[str, np.ndarray], y: np.ndarray, *, names: list[str], categorical: Sequence[str] = (),
          monotone: Mapping[str, int] | None = None, time: np.ndarray | None = None,
          config: TrainingConfig | None = None, dask=None) -> TrainingResult:
    """Cross-validates the pipeline, then fits it on every row and audits its monotone constraints;
    every booster grows on the cluster of `dask` (a distributed.Client) when one is given."""
    config = config or TrainingConfig()
    monotone = {name: int(d) for name, d in (monotone or {}).items() if d and name not in set(categorical)}
    y = np.asarray(y, dtype=int)
    counts = np.bincount(y, minlength=2)
    if len(counts) != 2 or min(counts) == 0:
        raise TrainingDataError("the target has a single class: nothing to tell apart")
    if min(counts) < 8:
        raise TrainingDataError(f"the rarer class has {min(counts)} rows: at least 8 are needed to cross-validate")
    evaluation = cross_validate(columns, y, names=names, categorical=categorical, monotone=monotone, time=time,
                                config=config, dask=dask)
    model = CreditModel(config, dask=dask).fit(columns, y, names=names, categorical=categorical, monotone=monotone,
                                               time=time)
    return TrainingResult(model=model, evaluation=evaluation, monotone_violations=monotone_violations(model, columns),
                          names=list(names), categorical=list(categorical), monotone=monotone,
                          reference=training_reference(model, columns))


def training_reference(model: CreditModel, columns: dict[str, np.ndarray]) -> dict:
    """Each numeric feature's and the probability's distribution on the training rows, binned by
    their deciles, so drift is later measured against what the model learned from."""
    from risk.drift import reference_bins

    numeric = [c.name for c in model.encoder_.columns if c.kind == NUMERIC]
    return {"rows": len(next(iter(columns.values()))) if columns else 0,
            "features": {name: reference_bins(numeric_values(columns[name]).tolist()) for name in numeric},
            "score": reference_bins(model.predict_proba(columns)[:, 1].tolist())}
