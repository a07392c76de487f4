"""Command-line entry points that belong to no domain: the worker and the embedded server."""
from __future__ import annotations

import logging
import os
import signal
import socket
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from werkzeug.serving import run_simple

from core import metrics
from core.db import db
from core.jobs import QUEUES, Scheduler, Worker, jobs

log = logging.getLogger(__name__)
WORKER_RESTART_SECONDS = 5


@click.command("worker")
@click.option("--queues", "-q", multiple=True, default=QUEUES, show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--no-schedule", is_flag=True, help="Do not enqueue periodic jobs here (the outbox relay still runs).")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool, no_schedule: bool) -> None:
    """Run an RQ worker, with RQ's scheduler for retries, the outbox relay and Linli's periodic schedule."""
    if jobs.redis is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in-process.")
    app = current_app._get_current_object()
    Scheduler(app, periodic=not no_schedule).start_in_process()
    # With PROMETHEUS_MULTIPROC_DIR, the work horses (one at a time) count into one set of files; the
    # scheduler, forked above and running beside them, keeps files of its own pid.
    metrics.share_files_with_forks(f"rq-{socket.gethostname()}-{os.getpid()}")
    while True:
        worker = Worker(list(queues), connection=jobs.redis,
                        job_monitoring_interval=app.config["JOB_HEARTBEAT_SECONDS"])
        try:
            worker.work(with_scheduler=True, burst=burst)
        except RedisError as exc:  # its teardown could not reach Redis either
            log.error("the RQ worker stopped: Redis is unavailable (%s)", exc)
        if burst or worker._shutdown_requested_date is not None:  # asked to stop (SIGTERM, SIGINT)
            return
        # RQ's loop quits on a Redis error it does not expect (Redis went away between two of its
        # calls); without this the worker would be gone when Redis comes back. Its jobs are safe:
        # those it was running are abandoned, and found again.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        log.error("the RQ worker stopped on an error; starting it again in %s s", WORKER_RESTART_SECONDS)
        time.sleep(WORKER_RESTART_SECONDS)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the embedded default (`make run`): dev server, and periodic jobs in-process."""
    app = current_app._get_current_object()
    for hook in app.extensions.get("linli.serve_hooks", ()):
        hook(app, host, port)  # e.g. payments starts localstripe when no Stripe key is set
    if jobs.redis is None:
        Scheduler(app).start_in_thread()
    # Flask refuses app.run() inside a CLI command; werkzeug's server is what it would start.
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo community, its people and data (idempotent: a second run changes nothing)."""
    for seed in current_app.extensions["linli.seeders"]:
        seed(db.session)
        db.session.commit()
    click.echo("demo data ready: community 'demo', users *@demo.local, password demo12345")


def register_seeders(app, seeders) -> None:
    """Seeders run in floor order; each creates only what is missing."""
    app.extensions["linli.seeders"] = list(seeders)
