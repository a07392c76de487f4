"""A real `flask --app app worker` with PROMETHEUS_MULTIPROC_DIR: the calls its jobs make to Stripe
reach /metrics, and its work horses (a fork per job) share one set of files instead of leaving a set
per job."""
from __future__ import annotations

from core.jobs import job, jobs
from core.metrics import timed_call
from tests.core.test_metrics import scrape, value
from tests.outage import WorkerProcess, outage_app, wait_for

JOBS = 4


@job("default")
def call_stripe_from_a_job(marker: str) -> None:
    with timed_call("stripe", "worker test call"):
        pass
    jobs.redis.rpush(marker, 1)


def test_stripe_calls_made_by_jobs_reach_metrics_from_one_set_of_files_per_worker(
        database_url, redis_url, redis, committed, tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    app = outage_app(database_url, redis_url, PROMETHEUS_MULTIPROC_DIR=str(directory))
    marker = "test:worker-metrics:done"
    redis.delete(marker)
    with app.app_context():
        for _ in range(JOBS):
            assert jobs.enqueue(call_stripe_from_a_job, marker)
    worker = WorkerProcess(tmp_path / "worker.log", database_url=database_url, redis_url=redis_url,
                           args=("--no-schedule", "--queues", "default"),
                           PROMETHEUS_MULTIPROC_DIR=str(directory)).start()
    try:
        wait_for(lambda: redis.llen(marker) == JOBS, timeout=60, what="the jobs to run")
    finally:
        worker.stop()

    samples = scrape(app.test_client())
    assert value(samples, "linli_external_call_duration_seconds_count", service="stripe",
                 operation="worker test call") == JOBS
    files = sorted(path.name for path in directory.glob("*.db"))
    assert len(files) == 1 and files[0].startswith("histogram_rq-"), files  # not one per job
