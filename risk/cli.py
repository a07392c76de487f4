"""`flask --app app risk ...`: train the credit pipeline on any CSV, or the merchant model on simulated histories.

The ML libraries are imported inside the commands, so the CLI and the app start without them.
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, replace

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from core.db import db
from risk import service  # and so risk's tables, for Alembic's view of the models

log = logging.getLogger(__name__)
risk_cli = AppGroup("risk", help="Merchant credit risk: models, scores, financing.")
MERCHANT_MODEL = service.MERCHANT_MODEL


def _direction(text: str) -> tuple[str, int]:
    name, sep, sign = text.rpartition("=")
    value = {"+1": 1, "1": 1, "+": 1, "increasing": 1, "-1": -1, "-": -1, "decreasing": -1}.get(sign.strip())
    if not sep or not name or value is None:
        raise click.BadParameter(f"{text!r}: write COLUMN=+1 (more of it, more risk) or COLUMN=-1")
    return name.strip(), value


def _register(register, name: str) -> dict:
    """Registers the model when the registry is reachable; training still reports if it is not."""
    try:
        version = register()
    except SQLAlchemyError as exc:
        db.session.rollback()
        click.echo(f"warning: the model registry is unreachable, model not registered ({type(exc).__name__})",
                   err=True)
        return {"model_name": name, "model_version": None, "model_version_id": None}
    return {"model_name": name, "model_version": version.version, "model_version_id": version.id}


def _report(result, extra: dict, started: float, as_json: bool) -> None:
    metrics = result.metrics()
    out = service.json_safe({
        "auc": metrics["auc"], "ks": metrics["ks"], "brier": metrics["brier"], "gini": metrics["gini"],
        **extra, "validation": metrics["validation"], "folds": metrics["folds"],
        "calibration": metrics["calibration"], "calibration_table": metrics["calibration_table"],
        "monotone_violations": metrics["monotone_violations"], "monotone_constraints": result.monotone,
        "rounds": metrics["rounds"], "seconds": round(time.monotonic() - started, 2),
    })
    if not as_json:
        click.echo(f"{out['model_name']} v{out['model_version']}: AUC {out['auc']:.4f}, KS {out['ks']:.4f}, "
                   f"Brier {out['brier']:.4f} ({out['validation']}; {out['n_rows']} rows)")
    click.echo(json.dumps(out, ensure_ascii=False))


def _config(folds: int, threads: int, seed: int, base_score: float, base_odds: float, pdo: float,
            max_rounds: int):
    from risk.training import TrainingConfig

    return replace(TrainingConfig(), folds=folds, threads=threads, seed=seed, base_score=base_score,
                   base_odds=base_odds, points_to_double_odds=pdo, max_rounds=max_rounds)


@contextmanager
def _dask(scheduler: str | None, local: int | None):
    """A Dask client for the boosters: the cluster at `scheduler`, or `local` worker processes on this
    machine started for the command; None when neither is asked for (LightGBM on this process)."""
    if scheduler and local:
        raise click.UsageError("--dask-scheduler or --dask-local, not both")
    if not scheduler and not local:
        yield None
        return
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=local, threads_per_worker=1, processes=True, dashboard_address=None) \
        if local else None
    client = Client(cluster if cluster is not None else scheduler)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


_common = [
    click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Outer validation folds."),
    click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True),
    click.option("--seed", type=int, default=0, show_default=True),
    click.option("--base-score", type=float, default=600.0, show_default=True, help="Points at the base odds."),
    click.option("--base-odds", type=click.FloatRange(min=0, min_open=True), default=50.0, show_default=True,
                 help="Good:bad odds at the base score."),
    click.option("--pdo", type=click.FloatRange(min=0, min_open=True), default=20.0, show_default=True,
                 help="Points to double the odds."),
    click.option("--max-rounds", type=click.IntRange(10, 100_000), default=3000, show_default=True,
                 help="Most trees per booster; early stopping on the inner folds picks the number."),
    click.option("--dask-scheduler", default=None, metavar="ADDRESS",
                 help="Grow the boosters on this Dask cluster (e.g. tcp://10.0.0.5:8786) with LightGBM's Dask "
                      "interface."),
    click.option("--dask-local", type=click.IntRange(1, 64), default=None, metavar="N",
                 help="Grow the boosters on N local Dask worker processes."),
    click.option("--register/--no-register", default=True, show_default=True, help="Store it in the registry."),
    click.option("--json", "as_json", is_flag=True, help="Print only the JSON object."),
]


def common_options(command):
    for option in reversed(_common):
        command = option(command)
    return command


@risk_cli.command("train")
@click.option("--csv", "path", required=True, type=click.Path(dir_okay=False), help="A CSV file with a header row.")
@click.option("--target", required=True, help="The column to predict.")
@click.option("--positive", required=True, help="The target value (as text) that counts as the event, e.g. bad.")
@click.option("--time-column", default=None, help="Validate out of time on this column (dates or numbers).")
@click.option("--monotone", multiple=True, help="COLUMN=+1 or COLUMN=-1: a direction the model must keep.")
@click.option("--name", default=None, help="Registry name (default csv:<file name>).")
@common_options
def train_command(path, target, positive, time_column, monotone, name, folds, threads, seed, base_score, base_odds,
                  pdo, max_rounds, dask_scheduler, dask_local, register, as_json) -> None:
    """Train the credit pipeline on any CSV with a binary target; the last line printed is JSON."""
    from pathlib import Path

    started = time.monotonic()
    try:
        from risk.tables import load_csv
        from risk.training import TrainingDataError, train

        directions = dict(_direction(text) for text in monotone)
        table = load_csv(path, target=target, positive=positive, time_column=time_column)
        for column in directions:
            if column not in table.names or column in table.categorical:
                raise TrainingDataError(f"--monotone {column}: not a numeric feature column of the file")
        config = _config(folds, threads, seed, base_score, base_odds, pdo, max_rounds)
        with _dask(dask_scheduler, dask_local) as client:
            result = train(table.columns, table.target, names=table.names, categorical=table.categorical,
                           monotone=directions, time=table.time, config=config, dask=client)
    except click.ClickException:
        raise
    except TrainingDataError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        log.debug("training failed", exc_info=True)
        raise click.ClickException(f"training failed: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    name = name or f"csv:{Path(path).stem}"[:100]
    params = {"source": f"CSV file {Path(path).name}", "target": target, "positive": positive,
              "positive_rate": float(table.target.mean()), "time_column": time_column,
              "categorical": table.categorical, "ignored": table.ignored, **asdict(config)}
    from risk.training import ARTIFACT_FORMAT

    registered = (_register(lambda: service.register_model_version(
        db.session, name=name, artifact=result.model.to_bytes(), artifact_format=ARTIFACT_FORMAT,
        features=result.features(), params=params, metrics=result.metrics(), data_fingerprint=table.fingerprint,
        training_rows=len(table.target), synthetic=False, reference=result.reference), name)
                  if register else {"model_name": name, "model_version": None, "model_version_id": None})
    _report(result, {"n_rows": len(table.target), "n_features": len(table.names),
                     "positives": int(table.target.sum()), "positive_rate": float(table.target.mean()),
                     "n_rows_unlabelled": table.unlabelled, "ignored_columns": table.ignored,
                     "categorical_columns": table.categorical, "data_fingerprint": table.fingerprint, **registered},
            started, as_json)


@risk_cli.command("train-merchant")
@click.option("--simulated", is_flag=True, help="Train on SYNTHETIC histories (risk/simulate.py).")
@click.option("--merchants", type=click.IntRange(50, 100_000), default=600, show_default=True)
@click.option("--months", type=click.IntRange(3, 36), default=12, show_default=True)
@click.option("--simulation-seed", type=int, default=7, show_default=True)
@click.option("--enqueue", is_flag=True,
              help="Leave it to a worker of the `training` queue (it registers the model); prints the job.")
@common_options
def train_merchant_command(simulated, merchants, months, simulation_seed, enqueue, folds, threads, seed, base_score,
                           base_odds, pdo, max_rounds, dask_scheduler, dask_local, register, as_json) -> None:
    """Train the merchant default model: risk's features, their monotone directions, out-of-time validation."""
    if not simulated:
        raise click.ClickException("no observed repayment outcomes yet: pass --simulated to train on synthetic data")
    if enqueue:
        if dask_local:
            raise click.UsageError("a worker trains on a cluster it can reach: pass --dask-scheduler with --enqueue")
        _enqueue_training(merchants=merchants, months=months, simulation_seed=simulation_seed, folds=folds,
                          threads=threads, seed=seed, base_score=base_score, base_odds=base_odds,
                          points_to_double_odds=pdo, max_rounds=max_rounds, dask_scheduler=dask_scheduler)
        return
    started = time.monotonic()
    from risk import merchant

    config = _config(folds, threads, seed, base_score, base_odds, pdo, max_rounds)
    data = merchant.simulated_training_data(merchants, months, simulation_seed)
    with _dask(dask_scheduler, dask_local) as client:
        run = merchant.train_merchant_model(data, config, dask=client)
    labels = data.labels
    registered = (_register(lambda: merchant.register(db.session, run), MERCHANT_MODEL) if register
                  else {"model_name": MERCHANT_MODEL, "model_version": None, "model_version_id": None})
    _report(run.result, {"n_rows": len(labels), "n_features": len(run.result.names), "positives": int(labels.sum()),
                         "positive_rate": float(labels.mean()), "synthetic": True,
                         "data_fingerprint": data.fingerprint, **registered}, started, as_json)


def _enqueue_training(**options) -> None:
    """The training job, through the outbox: it runs once this commits, whether Redis is up or not."""
    from core.jobs import JobOutbox, jobs
    from risk.jobs import TRAINING_JOB_ID, train_merchant_model, training_options

    payload = training_options(**options)
    jobs.enqueue_after_commit(db.session, train_merchant_model, payload, job_id=TRAINING_JOB_ID)
    # flush: the outbox row's id, to print it
    db.session.flush()
    outbox_id = db.session.scalar(select(func.max(JobOutbox.id)).where(JobOutbox.job_id == TRAINING_JOB_ID))
    db.session.commit()
    click.echo(json.dumps({"enqueued": True, "queue": "training", "job_id": TRAINING_JOB_ID, "outbox_id": outbox_id,
                           "options": payload}))
