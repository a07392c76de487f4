"""Structured JSON logs with a request id, per-request metrics, Sentry, and the /healthz and /readyz probes."""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, g, has_request_context, jsonify, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import text

from core import metrics
from core.config import Settings
from core.db import db
from core.jobs import jobs

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("linli.access")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


# What Sentry may collect (sentry-sdk's data_collection, which supersedes send_default_pii and is
# stricter than send_default_pii=False): residents' personal data must not leave. No user, cookies,
# bodies, query strings, SQL parameters, job arguments or frames' variables; only the headers below.
SENTRY_DATA_COLLECTION: dict[str, Any] = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {"request": {"mode": "allowlist",
                                 "terms": ["user-agent", "content-type", "content-length", "accept-language",
                                           "x-request-id", "host"]}},
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "database_query_data": False,
    "queues": False,
    "stack_frame_variables": False,
    "gen_ai": {"inputs": False, "outputs": False},
    "graphql": {"document": False, "variables": False},
}
_BREADCRUMB_PERSONAL = ("user_id", "remote_addr")


def _without_personal_data(crumb: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    # Log lines become breadcrumbs with their extra fields; the access log's name the user.
    data = crumb.get("data")
    if isinstance(data, dict):
        for key in _BREADCRUMB_PERSONAL:
            data.pop(key, None)
    return crumb


def _without_job_arguments(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    # RQ's job description is the call with its arguments, and the RQ integration sends it always.
    job = event.get("extra", {}).get("rq-job")
    if isinstance(job, dict) and "description" in job:
        job["description"] = job.get("func")
    return event


def init_error_reporting(app: Flask, settings: Settings) -> bool:
    """Sends unhandled errors (requests, RQ jobs, and their SQL as breadcrumbs) to Sentry when
    SENTRY_DSN is set. Without it nothing is imported or started."""
    if not settings.SENTRY_DSN:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT or settings.LINLI_ENV,
        release=settings.SENTRY_RELEASE,
        integrations=[FlaskIntegration(), RqIntegration(), SqlalchemyIntegration()],
        auto_enabling_integrations=False,  # only these three (and the SDK's defaults, logging among them)
        data_collection=SENTRY_DATA_COLLECTION,
        max_request_body_size="never",
        before_breadcrumb=_without_personal_data,
        before_send=_without_job_arguments,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
    )
    app.extensions["linli.sentry"] = True
    return True


health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    if jobs.redis is None:
        checks["redis"] = "not configured (jobs run in-process)"
    else:
        try:
            jobs.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(not value.startswith("error") for value in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(health)

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started else None
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2) if seconds is not None else None,
                "user_id": getattr(g.get("_actor"), "user_id", None),
            },
        )
        if seconds is not None:
            rule = request.url_rule
            metrics.record_request(request.method, rule.rule if rule else None, response.status_code, seconds)
        return response
