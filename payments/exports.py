"""CSV exports of statements and revenue reports: answered at once when small, made by a job when large.

A report is a list of rows (the first the header). `csv_response` answers it as UTF-8 with a BOM,
so that Excel shows Chinese, every cell made safe for spreadsheets (core.text.csv_cell). A report
of more than the EXPORT_INLINE_ROWS setting is an `Export`: the request answers 202 with its id, the job
`make_export` builds it with the producer registered under its kind, and its owner downloads it
from `GET /api/payments/exports/<id>`. Producers are registered when the app is created.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from flask import Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.auth import Actor
from core.db import db
from core.errors import NotFound
from core.jobs import job, jobs
from core.models import utcnow
from core.text import csv_cell
from payments.models import Export

EXPORT_TTL = timedelta(days=1)
# kind -> producer(session, user_id, params) -> (filename, rows)
Producer = Callable[[Session, int, dict], tuple[str, list[list]]]
_PRODUCERS: dict[str, Producer] = {}


def register(kind: str, producer: Producer) -> None:
    _PRODUCERS[kind] = producer


def to_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def csv_response(filename: str, rows: list[list]) -> Response:
    return Response(to_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Type": "text/csv; charset=utf-8"})


def start_export(session: Session, actor: Actor, kind: str, params: dict) -> Export:
    """Records an export for the actor and enqueues the job that makes it. Commits."""
    if kind not in _PRODUCERS:
        raise ValueError(f"no producer for {kind!r}")
    export = Export(user_id=actor.user_id, kind=kind, params=params, status="pending")
    session.add(export)
    # flush: the job is given the export's id
    session.flush()
    jobs.enqueue_after_commit(session, make_export, export.id)
    session.commit()
    return export


@job("low", timeout=600)
def make_export(export_id: int) -> str:
    """Builds one export with its producer; safe to run twice (a done export stays done)."""
    session = db.session
    export = session.get(Export, export_id)
    if export is None or export.status == "done":
        return "done"
    filename, rows = _PRODUCERS[export.kind](session, export.user_id, dict(export.params))
    export.filename, export.content = filename, to_csv(rows)
    export.status, export.finished_at = "done", utcnow()
    session.commit()
    return export.status


def get_export(session: Session, actor: Actor, export_id: int) -> Export:
    """The actor's own export; anyone else's does not exist (404)."""
    export = session.get(Export, export_id)
    if export is None or export.user_id != actor.user_id or export.created_at < utcnow() - EXPORT_TTL:
        raise NotFound()
    return export


@job("low", timeout=300)
def purge_exports() -> int:
    session = db.session
    purged = session.execute(delete(Export).where(Export.created_at < utcnow() - EXPORT_TTL)).rowcount
    session.commit()
    return purged
