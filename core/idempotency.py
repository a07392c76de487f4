"""`Idempotency-Key` on unsafe requests that create things: the first response is replayed.

The mobile client retries on flaky networks; a retry with the same key and body gets the stored
response (`Idempotent-Replayed: true`), the same key with another body gets 422, and a retry that
arrives while the first is still running gets 409 and should retry again.

The key is claimed in the use case's transaction, so it is durable exactly when the use case
committed. A request that failed on purpose (a `DomainError`) frees its key for the retry: such a
use case undid what it had committed (checkout: Stripe failed, the reservation was cancelled). A
request whose use case committed and that then failed unexpectedly stores the error it answered:
a retry replays it rather than doing the work a second time.
"""
from __future__ import annotations

import functools
import hashlib
import logging
from datetime import datetime, timedelta

from flask import Response, current_app, make_response, request
from sqlalchemy import Integer, LargeBinary, String, delete, event, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

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


_COMMITS = "linli.commits"


@event.listens_for(Session, "after_commit")
def _count_commit(session: Session) -> None:
    session.info[_COMMITS] = session.info.get(_COMMITS, 0) + 1


def _complete(session, user_id: int, key: str, response: Response) -> None:
    """Stores the response under the key. If the request's session is unusable (something after
    the use case's commit broke it), a session of its own stores it: the work must not be redone."""
    values = {"status_code": response.status_code, "body": response.get_data(), "content_type": response.content_type}
    try:
        stored = session.get(IdempotencyRecord, (user_id, key))
        if stored is None:  # the use case rolled back (a 4xx): let the client try again
            return
        for name, value in values.items():
            setattr(stored, name, value)
        session.commit()
        return
    except SQLAlchemyError:
        log.warning("the request's session could not store the idempotent response; storing it apart")
        _rollback_quietly(session)
    try:
        with db.sessionmaker() as apart:
            apart.execute(update(IdempotencyRecord).where(
                IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
                IdempotencyRecord.status_code.is_(None)).values(**values))
            apart.commit()
    except SQLAlchemyError:  # the database itself failed: the claim goes stale instead (STALE_AFTER)
        log.exception("could not store the idempotent response")


def _rollback_quietly(session) -> None:
    try:
        session.rollback()
    except SQLAlchemyError:
        log.warning("the request's session could not even roll back", exc_info=True)


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
        _rollback_quietly(session)
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
        commits = session.info.get(_COMMITS, 0)
        try:
            response = make_response(view(*args, **kwargs))
        except DomainError:
            _release_claim(session, actor.user_id, key)
            raise
        except Exception as exc:
            if session.info.get(_COMMITS, 0) == commits:  # nothing committed: the key stays free
                _release_claim(session, actor.user_id, key)
                raise
            # The work committed, then something failed: answer (and store) the error the app's
            # handlers render, so that a retry replays it instead of doing the work again.
            response = make_response(current_app.handle_user_exception(exc))
            _complete(session, actor.user_id, key, response)
            return response
        if response.status_code >= 500:
            _release_claim(session, actor.user_id, key)
            return response
        _complete(session, actor.user_id, key, response)
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
