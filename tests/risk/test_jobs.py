"""Risk's jobs through the real job machinery: the outbox, RQ's `training` queue and a worker."""
import json

from sqlalchemy import select

from core.jobs import JobOutbox, OutboxState, jobs
from risk.cli import risk_cli
from risk.jobs import TRAINING_JOB_ID
from risk.models import ModelVersion
from tests.factories import current_session

SMALL = ["--merchants", "150", "--months", "6", "--folds", "3"]


def _enqueue(app) -> dict:
    result = app.test_cli_runner().invoke(risk_cli, ["train-merchant", "--simulated", "--enqueue", *SMALL])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_training_is_enqueued_on_its_own_queue_and_a_worker_registers_the_model(app, connection, run_jobs):
    out = _enqueue(app)
    assert out["queue"] == "training" and out["job_id"] == TRAINING_JOB_ID
    with app.app_context():
        assert jobs.queue("training").count == 1 and jobs.queue("default").count == 0
    assert current_session().scalars(select(ModelVersion)).all() == []  # nothing trains in the command

    run_jobs()

    versions = current_session().scalars(select(ModelVersion)).all()
    assert [(v.name, v.version, v.stage, v.synthetic) for v in versions] == [("merchant-default", 1, "challenger",
                                                                              True)]
    assert versions[0].metrics["validation"].startswith("out-of-time") and versions[0].metrics["auc"] > 0.6
    assert versions[0].params["folds"] == 3 and versions[0].training_rows > 0
    row = current_session().get(JobOutbox, out["outbox_id"])
    assert row.state == OutboxState.DONE and row.queue == "training"


def test_a_training_job_run_twice_registers_one_version(app, connection, run_jobs):
    _enqueue(app)
    run_jobs()
    _enqueue(app)  # the same data and parameters: a retry, or a second click
    run_jobs()
    assert len(current_session().scalars(select(ModelVersion)).all()) == 1
    app.test_cli_runner().invoke(risk_cli, ["train-merchant", "--simulated", "--enqueue", *SMALL[:-1], "4"])
    run_jobs()
    assert [v.params["folds"] for v in current_session().scalars(select(ModelVersion).order_by(ModelVersion.id))] \
        == [3, 4]
