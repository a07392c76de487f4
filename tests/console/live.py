"""A live console for the browser: the app served by werkzeug in a thread, on its own PostgreSQL
database seeded with the demo data. The suite's rolled-back transaction cannot be shared with a
server thread, and committed rows in the suite's database would be seen by other tests: so the
database is its own, created and dropped here."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from community import queries as community_queries
from community import service as community_service
from community.models import Community, Residency, Unit
from core.db import db
from identity.service import find_user_by_login

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.path.join(ROOT, "instance", "screenshots")


@dataclass(frozen=True)
class Site:
    url: str
    app: Flask


def chromium() -> str | None:
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


def _claim_a_unit(app: Flask) -> None:
    """resident2 claims a second unit of `demo`: a claim for the manager to approve."""
    with app.app_context():
        session = db.session
        community = session.scalar(select(Community).where(Community.slug == "demo"))
        user = find_user_by_login(session, "resident2@demo.local")
        taken = select(Residency.unit_id).where(Residency.user_id == user.id)
        unit = session.scalar(select(Unit).where(Unit.community_id == community.id, Unit.id.not_in(taken))
                              .order_by(Unit.id))
        actor = community_queries.load_actor(session, user.id)
        community_service.claim_residency(session, actor, community.id, unit_id=unit.id, relation="tenant",
                                          note="租住 rented")


@contextmanager
def serve(settings: dict) -> Iterator[Site]:
    app = create_app(settings)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    _claim_a_unit(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
