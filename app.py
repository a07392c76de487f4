"""Floor 8: builds the app, registers every blueprint, event subscription, CLI group and job schedule. Nothing else."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask

from ads import api as ads_api
from commerce import api as commerce_api
from commerce import jobs as commerce_jobs
from commerce import seed as commerce_seed
from commerce.catalog import invalidation as catalog_invalidation
from commerce.cli import commerce_cli
from commerce.groupbuy import on_payments as groupbuy_on_payments
from commerce.orders import on_payments as orders_on_payments
from commerce.stores import reports as store_reports
from community import invalidation as community_invalidation
from community import queries as community_queries
from community.announcements import api as announcements_api
from community.announcements import jobs as announcements_jobs
from community.announcements import seed as announcements_seed
from community.api import blp as community_blp
from community.bookings import api as bookings_api
from community.bookings import invalidation as bookings_invalidation
from community.bookings import jobs as bookings_jobs
from community.bookings import seed as bookings_seed
from community.notifications import channels as notification_channels
from community.notifications.api import blp as notifications_blp
from community.open311 import api as open311_api
from community.open311 import keys_api as open311_keys_api
from community.open311 import seed as open311_seed
from community.parcels import api as parcels_api
from community.parcels import jobs as parcels_jobs
from community.parcels import seed as parcels_seed
from community.requests import api as requests_api
from community.requests import invalidation as requests_invalidation
from community.requests import jobs as requests_jobs
from community.requests import seed as requests_seed
from community.seed import seed_demo as seed_community
from community.visitors import api as visitors_api
from community.visitors import jobs as visitors_jobs
from community.visitors import seed as visitors_seed
from console.web import blp as console_blp
from core import auth, cache, edge, errors, i18n, json_provider, metrics, observability, proxy, ratelimit
from core import web as core_web
from core.application import Linli
from core.auth import purge_expired_revocations
from core.cli import register_seeders, seed_demo_command, serve_command, worker_command
from core.config import load_settings
from core.db import db
from core.idempotency import purge_expired_idempotency_records
from core.jobs import PeriodicJob, jobs, purge_finished_outbox_rows
from identity.api import blp as identity_blp
from logistics import api as logistics_api
from logistics import jobs as logistics_jobs
from logistics import seed as logistics_seed
from logistics import wiring as logistics_wiring
from logistics.cli import logistics_cli
from payments import api as payments_api
from payments import jobs as payments_jobs
from payments.cli import ledger_cli, use_localstripe_unless_configured
from risk import api as risk_api
from risk import jobs as risk_jobs
from risk import seed as risk_seed
from risk.cli import risk_cli
from risk.financing import jobs as financing_jobs
from risk.financing import wiring as financing_wiring

SCHEDULE = [
    PeriodicJob("core.purge-idempotency-records", purge_expired_idempotency_records, interval=3600),
    PeriodicJob("core.purge-job-outbox", purge_finished_outbox_rows, interval=3600),
    PeriodicJob("core.purge-revoked-logins", purge_expired_revocations, interval=3600),
    *requests_jobs.PERIODIC,
    *bookings_jobs.PERIODIC,
    *announcements_jobs.PERIODIC,
    *visitors_jobs.PERIODIC,
    *parcels_jobs.PERIODIC,
    *payments_jobs.PERIODIC,
    *commerce_jobs.PERIODIC,
    *financing_jobs.PERIODIC,
    *logistics_jobs.PERIODIC,
    *risk_jobs.PERIODIC,
]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_settings(config)
    app = Linli(__name__, instance_path=settings.INSTANCE_PATH or os.path.join(os.getcwd(), "instance"))
    app.config.update(settings.model_dump())
    app.config["SQLALCHEMY_URL"] = settings.database_url(app.instance_path)

    observability.configure_logging(settings.LOG_LEVEL)
    observability.init_error_reporting(app, settings)
    proxy.init_app(app, settings.TRUSTED_PROXY_COUNT)
    i18n.init_app(app)
    json_provider.init_app(app)
    errors.init_app(app)
    db.init_app(
        app, app.config["SQLALCHEMY_URL"], pool_size=settings.DB_POOL_SIZE, max_overflow=settings.DB_MAX_OVERFLOW
    )
    jobs.init_app(app, settings.REDIS_URL, SCHEDULE)
    # What each floor's commits make stale in the caches of hot reads: declared here, never on import.
    caches = cache.init_app(app, settings.REDIS_URL, app.extensions["linli.db"]["engine"])
    community_invalidation.watch(caches)
    catalog_invalidation.watch(caches)
    bookings_invalidation.watch(caches)
    requests_invalidation.watch(caches)
    ratelimit.init_app(app, settings.REDIS_URL)
    auth.init_app(app, load_actor=lambda user_id: community_queries.load_actor(db.session, user_id))
    observability.init_app(app)
    metrics.init_app(app, settings.PROMETHEUS_MULTIPROC_DIR)
    edge.init_app(app)

    api = core_web.init_app(app)
    notification_channels.init_app(app, channels=[])  # push providers are added here
    for blueprint in (
        identity_blp,
        community_blp,
        notifications_blp,
        requests_api.blp,
        open311_keys_api.blp,
        bookings_api.blp,
        announcements_api.blp,
        visitors_api.blp,
        parcels_api.blp,
        payments_api.blp,
        commerce_api.blp,
        logistics_api.blp,
        risk_api.blp,
        ads_api.blp,
    ):
        api.register_blueprint(blueprint)
    app.register_blueprint(open311_api.blp)  # GeoReport v2 documents itself; not in /api's OpenAPI
    app.register_blueprint(console_blp)  # the web console's pages under /console/, not in /api's OpenAPI

    # What higher floors do when lower floors' state changes: subscribed here, never on import.
    orders_on_payments.subscribe_to_payments()
    groupbuy_on_payments.subscribe_to_payments()
    store_reports.register_exports()
    logistics_wiring.register()  # tasks from order events
    financing_wiring.register()  # its ledger accounts, withholding at settlement, statement lines

    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(commerce_cli)
    app.cli.add_command(logistics_cli)
    app.cli.add_command(risk_cli)
    app.extensions["linli.serve_hooks"] = [use_localstripe_unless_configured]
    register_seeders(
        app,
        [
            seed_community,
            requests_seed.seed_demo,
            open311_seed.seed_demo,
            bookings_seed.seed_demo,
            announcements_seed.seed_demo,
            visitors_seed.seed_demo,
            parcels_seed.seed_demo,
            commerce_seed.seed_demo,
            logistics_seed.seed_demo,
            risk_seed.seed_demo,
        ],
    )
    return app
