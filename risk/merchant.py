"""The merchant default model's pipeline: its training data, its constraints, its registration.

Shared by `flask --app app risk train-merchant` and the `training` queue's job, so a model trained
by hand and one trained by a worker are the same model of the same data. The ML libraries are
imported inside the functions.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from risk import service
from risk.models import ModelVersion


@dataclass(frozen=True)
class TrainingData:
    columns: dict  # feature name -> float array (NaN missing)
    labels: Any  # int array: defaulted within the horizon
    times: Any  # observation dates, days since the simulation's start
    fingerprint: str  # sha256 of the rows
    source: str


@dataclass(frozen=True)
class MerchantRun:
    """One training of the merchant model: the result and what the registry keeps of it."""

    result: Any  # risk.training.TrainingResult
    data: TrainingData
    params: dict


def simulated_training_data(merchants: int, months: int, simulation_seed: int) -> TrainingData:
    """SYNTHETIC histories (risk/simulate.py) as training columns, labels and dates."""
    from risk.simulate import Simulation, simulate, training_table

    simulation = Simulation(merchants=merchants, months=months, seed=simulation_seed)
    rows = simulate(simulation)
    columns, labels, times = training_table(rows)
    fingerprint = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    return TrainingData(columns, labels, times, fingerprint, f"SYNTHETIC simulation {vars(simulation)}")


def training_params(data: TrainingData, config) -> dict:
    return {"source": data.source, "positive": "defaulted within 90 days",
            "positive_rate": float(data.labels.mean()), **asdict(config)}


def train_merchant_model(data: TrainingData, config, *, dask=None) -> MerchantRun:
    """Trains under the features' directions of risk, validated out of time; the boosters grow on the
    cluster of `dask` (a distributed.Client) when one is given."""
    from risk.features import BY_NAME, FEATURE_NAMES
    from risk.training import train

    directions = {name: int(BY_NAME[name].risk) for name in FEATURE_NAMES if BY_NAME[name].risk}
    result = train(data.columns, data.labels, names=list(FEATURE_NAMES), monotone=directions, time=data.times,
                   config=config, dask=dask)
    return MerchantRun(result=result, data=data, params=training_params(data, config))


def same_training(session: Session, data: TrainingData, config) -> ModelVersion | None:
    """A version of the merchant model already trained on this data with these parameters."""
    params = service.json_safe(training_params(data, config))
    for version in session.scalars(select(ModelVersion).where(ModelVersion.name == service.MERCHANT_MODEL,
                                                              ModelVersion.data_fingerprint == data.fingerprint)):
        if version.params == params:
            return version
    return None


def register(session: Session, run: MerchantRun) -> ModelVersion:
    """Registers the run as the next challenger of the merchant model. Commits."""
    from risk.training import ARTIFACT_FORMAT

    return service.register_model_version(
        session, name=service.MERCHANT_MODEL, artifact=run.result.model.to_bytes(), artifact_format=ARTIFACT_FORMAT,
        features=run.result.features(), params=run.params, metrics=run.result.metrics(),
        data_fingerprint=run.data.fingerprint, training_rows=len(run.data.labels), synthetic=True,
        reference=run.result.reference)
