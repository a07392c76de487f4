"""Risk's RQ jobs: training the merchant model on the `training` queue; the nightly rescore and drift check."""
from __future__ import annotations

import logging
from dataclasses import fields, replace

from core.db import db
from core.jobs import PeriodicJob, job
from risk import merchant, service

log = logging.getLogger(__name__)

# One training at a time: a second request waits for the first instead of racing it for the CPU.
TRAINING_JOB_ID = "risk-train-merchant"
SIMULATION_OPTIONS = {"merchants": 600, "months": 12, "simulation_seed": 7}


def training_options(**options) -> dict:
    """What a training job is asked to do, as JSON the outbox can carry: the simulation, the
    TrainingConfig fields that differ from the defaults, and a Dask scheduler address or None."""
    from risk.training import TrainingConfig

    known = set(SIMULATION_OPTIONS) | {f.name for f in fields(TrainingConfig)} | {"dask_scheduler"}
    unknown = set(options) - known
    if unknown:
        raise ValueError(f"unknown training options: {sorted(unknown)}")
    return {**SIMULATION_OPTIONS, "dask_scheduler": None, **options}


@job("training", timeout=4 * 3600, retries=1)
def train_merchant_model(options: dict) -> int:
    """Trains the merchant model as `risk train-merchant --simulated` does and registers it as a
    challenger; returns the version's id. Commits.

    Safe to run twice: a version trained on the same data with the same parameters is returned
    as it is (the fingerprint and parameters are known before any tree is grown).
    """
    from risk.training import TrainingConfig

    options = training_options(**options)
    simulation = {key: options[key] for key in SIMULATION_OPTIONS}
    config = replace(TrainingConfig(), **{k: v for k, v in options.items()
                                          if k not in SIMULATION_OPTIONS and k != "dask_scheduler"})
    data = merchant.simulated_training_data(**simulation)
    existing = merchant.same_training(db.session, data, config)
    if existing is not None:
        log.info("merchant model already trained on this data as v%s: not trained again", existing.version)
        return existing.id
    if options["dask_scheduler"]:
        from distributed import Client

        with Client(options["dask_scheduler"]) as client:
            run = merchant.train_merchant_model(data, config, dask=client)
    else:
        run = merchant.train_merchant_model(data, config)
    version = merchant.register(db.session, run)
    log.info("merchant model v%s trained: AUC %.4f", version.version, run.result.evaluation.auc)
    return version.id


@job("low", timeout=6 * 3600, retries=2)
def rescore_stores() -> dict:
    """Every active store scored by the champion (and shadow-scored by a challenger), then drift."""
    report = service.rescore_stores(db.session)
    log.info("nightly rescore: %s stores scored, %s shadow scores; drift alerted: %s", report["scored"],
             report["shadow"], bool(report["drift"] and report["drift"]["alerted"]))
    return report


PERIODIC = [PeriodicJob("risk.rescore-stores", rescore_stores, interval=86_400)]
