"""The same pipeline with its boosters grown on a Dask cluster (lightgbm.dask), two worker processes here."""
import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from risk import merchant
from risk.cli import risk_cli
from risk.features import BY_NAME, FEATURE_NAMES
from risk.training import CreditModel, TrainingConfig

FAST = TrainingConfig(inner_folds=3, max_rounds=150, early_stopping_rounds=30, learning_rate=0.1)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    # Processes, not threads: LightGBM's network is one per process, and each worker is a machine to it.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        with distributed.Client(local) as client:
            yield client


def test_boosters_grown_on_the_cluster_rank_as_well_as_on_one_machine(cluster):
    data = merchant.simulated_training_data(300, 8, 7)
    unseen = merchant.simulated_training_data(300, 8, 8)
    directions = {name: int(BY_NAME[name].risk) for name in FEATURE_NAMES if BY_NAME[name].risk}
    aucs = {}
    for where, client in (("one machine", None), ("cluster", cluster)):
        model = CreditModel(FAST, dask=client).fit(data.columns, data.labels, names=list(FEATURE_NAMES),
                                                   monotone=directions, time=data.times)
        aucs[where] = roc_auc_score(unseen.labels, model.decision_function(unseen.columns))
        again = CreditModel.from_bytes(model.to_bytes())  # a plain artifact: scoring needs no cluster
        assert np.allclose(again.decision_function(unseen.columns), model.decision_function(unseen.columns))
    assert aucs["one machine"] > 0.75
    assert aucs["cluster"] == pytest.approx(aucs["one machine"], abs=0.03), aucs


def test_risk_train_takes_a_dask_scheduler(app, connection, tmp_path, cluster):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 3))
    y = (rng.random(400) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1])))).astype(int)
    path = tmp_path / "loans.csv"
    path.write_text("a,b,c,bad\n" + "".join(f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{t}\n" for r, t in zip(x, y,
                                                                                                     strict=True)))
    result = app.test_cli_runner().invoke(risk_cli, [
        "train", "--csv", str(path), "--target", "bad", "--positive", "1", "--folds", "2", "--max-rounds", "60",
        "--monotone", "a=+1", "--dask-scheduler", cluster.scheduler.address, "--no-register", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["auc"] > 0.7 and out["monotone_violations"] == 0 and out["n_rows"] == 400


def test_one_cluster_at_a_time(app):
    result = app.test_cli_runner().invoke(risk_cli, ["train-merchant", "--simulated", "--dask-local", "2",
                                                     "--dask-scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code != 0 and "not both" in result.output
