"""`Idempotency-Key` on unsafe requests that create things: the first response is replayed.

The mobile client retries on flaky networks; a retry with the same key and body gets the stored
response (`Idempotent-Replayed: true`), the same key with another body gets 422, and a retry that
arrives while the first is still running gets 409 and should retry again.
"""
from __future__ import annotations

import functools
import hashlib
import logging
from datetime import datetime, timedelta

from flask import Response, current_app, make_response, request
from sqlalchemy import Integer, LargeBinary, String, delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from core.auth import current_actor
from core.db import db
from core.errors import Conflict, DomainError
from core.i18n import lazy_gettext as _l
from core.jobs import job
from core.models import Base, created_at, utcnow

HEADER = "Idempotency-Key"
# A request that claimed a key and never finished (its process died) frees it after this.
STALE_AFTER = timedelta(minutes=2)

log = logging.getLogger(__name__)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[created_at]


class IdempotencyKeyReused(DomainError):
    status, code = 422, "idempotency_key_reused"
    title = _l("This Idempotency-Key was used with a different request")


class IdempotencyKeyInvalid(DomainError):
    status, code = 400, "idempotency_key_invalid"
    title = _l("The Idempotency-Key header must be 1 to 255 printable characters")


class RequestInProgress(Conflict):
    code = "idempotent_request_in_progress"
    title = _l("A request with this Idempotency-Key is still being processed; retry shortly")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b" ")
    digest.update(request.path.encode())
    digest.update(b"\n")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.body or b"", status=record.status_code, content_type=record.content_type)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _release_claim(session, user_id: int, key: str) -> None:
    """A failed request leaves its key free for the retry. A use case that failed after committing
    part of its work (checkout: the reservation, then Stripe failed) committed the claim with it."""
    try:
        session.rollback()
        session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
            IdempotencyRecord.status_code.is_(None)))
        session.commit()
    except SQLAlchemyError:  # the database itself failed: the claim goes stale instead (STALE_AFTER)
        session.rollback()
        log.exception("could not release the idempotency key")


def idempotent(view):
    """Decorates a view (outermost, above flask-smorest's decorators) that creates things."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not (1 <= len(key) <= 255) or not key.isprintable():
            raise IdempotencyKeyInvalid()
        actor = current_actor()
        fingerprint = _fingerprint()
        session = db.session
        record = session.get(IdempotencyRecord, (actor.user_id, key))
        if record is not None:
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if record.status_code is not None:
                return _replay(record)
            if utcnow() - record.created_at < STALE_AFTER:
                raise RequestInProgress()
            session.delete(record)
        session.add(IdempotencyRecord(user_id=actor.user_id, key=key, fingerprint=fingerprint))
        try:
            # flush: claim the key now, so a concurrent retry blocks on the primary key and then
            # fails instead of running the use case a second time.
            session.flush()
        except IntegrityError:
            session.rollback()
            raise RequestInProgress() from None
        try:
            response = make_response(view(*args, **kwargs))
        except Exception:
            _release_claim(session, actor.user_id, key)
            raise
        if response.status_code >= 500:
            _release_claim(session, actor.user_id, key)
            return response
        stored = session.get(IdempotencyRecord, (actor.user_id, key))
        if stored is None:  # the use case rolled back (a 4xx): let the client try again
            return response
        stored.status_code = response.status_code
        stored.body = response.get_data()
        stored.content_type = response.content_type
        session.commit()
        return response

    wrapper._apidoc = {**getattr(view, "_apidoc", {}), "idempotent": True}  # core.web documents the header
    return wrapper


@job("low", timeout=300)
def purge_expired_idempotency_records() -> int:
    ttl = current_app.config["IDEMPOTENCY_TTL_SECONDS"]
    cutoff: datetime = utcnow() - timedelta(seconds=ttl)
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    db.session.commit()
    return result.rowcount
