"""Use cases of visitor passes: issue, revoke, and admit a visitor at the gate; pass signatures."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.visitors import queries
from community.visitors.errors import (
    CodeUnavailable,
    ForgedPayload,
    PassExpired,
    PassNotYetValid,
    PassRevoked,
    PassUsedUp,
)
from community.visitors.models import PassStatus, VisitorEntry, VisitorPass
from community.visitors.policy import Permission
from core.auth import Actor
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require

# No 0/O, 1/I/L: read aloud at the gate or typed from a screenshot, a code must not be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_WINDOW = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)
SIGNING_SALT = "linli.visitor-pass"  # derives the signing key from SECRET_KEY for this purpose only

_REFUSALS = {
    PassStatus.REVOKED: PassRevoked,
    PassStatus.EXPIRED: PassExpired,
    PassStatus.USED_UP: PassUsedUp,
    PassStatus.UPCOMING: PassNotYetValid,
}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SIGNING_SALT)


def sign_pass(visitor_pass: VisitorPass) -> str:
    """The QR code's content: the pass and its code, signed so that it cannot be made up or altered."""
    return _serializer().dumps({"pass": visitor_pass.id, "code": visitor_pass.code})


def _read_payload(payload: str) -> tuple[int, str]:
    try:
        data = _serializer().loads(payload)
        pass_id, code = data["pass"], data["code"]
    except (BadSignature, KeyError, TypeError):
        raise ForgedPayload() from None
    if not isinstance(pass_id, int) or not isinstance(code, str):
        raise ForgedPayload()
    return pass_id, code


def normalize_code(code: str) -> str:
    """What a guard types: any case, with spaces or dashes between groups."""
    return re.sub(r"[\s-]", "", code).upper()


def _new_code(session: Session, community_id: int) -> str:
    for _ in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = select(VisitorPass.id).where(VisitorPass.community_id == community_id, VisitorPass.code == code)
        if session.scalar(taken) is None:
            return code
    raise CodeUnavailable()


def create_visitor_pass(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    unit_id: int,
    visitor_name: str,
    valid_until: datetime,
    visitor_phone: str | None = None,
    valid_from: datetime | None = None,
    entries_allowed: int = 1,
    now: datetime | None = None,
) -> VisitorPass:
    """A resident issues a pass for a visitor to their home, for a time window and a number of entries.

    Commits.
    """
    community_queries.require_member(actor, community_id)
    unit = community_queries.get_unit(session, community_id, unit_id)
    require(actor, Permission.VISITOR_INVITE, queries.lives_in(session, actor, unit.id))
    now = now or utcnow()
    if valid_from is not None and valid_from < now - CLOCK_SKEW:
        raise InvalidInput(errors={"valid_from": [str(_l("Must not be in the past."))]})
    valid_from = max(valid_from or now, now)
    if valid_until <= valid_from:
        raise InvalidInput(errors={"valid_until": [str(_l("Must be after the pass becomes valid."))]})
    if valid_until - valid_from > MAX_WINDOW:
        raise InvalidInput(errors={"valid_until": [str(_l("A pass is valid for at most 30 days."))]})
    visitor_pass = VisitorPass(
        community_id=community_id, unit_id=unit.id, host_id=actor.user_id, visitor_name=visitor_name,
        visitor_phone=visitor_phone, code=_new_code(session, community_id), valid_from=valid_from,
        valid_until=valid_until, entries_allowed=entries_allowed, entries_used=0,
    )
    session.add(visitor_pass)
    session.commit()
    return visitor_pass


def revoke_visitor_pass(session: Session, actor: Actor, community_id: int, pass_id: int) -> VisitorPass:
    """Its host (or a manager) revokes a pass; revoking again changes nothing. Commits."""
    visitor_pass = queries.get_pass(session, actor, community_id, pass_id)
    require(actor, Permission.VISITOR_REVOKE, visitor_pass)
    if visitor_pass.revoked_at is None:
        visitor_pass.revoked_at = utcnow()
        session.commit()
    return visitor_pass


def admit_visitor(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    code: str | None = None,
    payload: str | None = None,
    now: datetime | None = None,
) -> VisitorEntry:
    """A guard checks a pass by its code or its QR payload and lets one visitor in.

    Commits; spends one entry of the pass.
    """
    community_queries.require_member(actor, community_id)
    require(actor, Permission.VISITOR_ADMIT, community_id)
    if payload is not None:
        pass_id, code = _read_payload(payload)
        found = select(VisitorPass).where(VisitorPass.id == pass_id, VisitorPass.code == code)
    else:
        found = select(VisitorPass).where(VisitorPass.code == normalize_code(code or ""))
    # Row lock: simultaneous scans of one pass queue here, and each sees the entries the one
    # before it spent, so the last entry is let in exactly once.
    visitor_pass = session.scalar(
        found.where(VisitorPass.community_id == community_id)
        .with_for_update(of=VisitorPass)
        .execution_options(populate_existing=True)
    )
    if visitor_pass is None:
        raise NotFound()
    now = now or utcnow()
    status = visitor_pass.status_at(now)
    if status != PassStatus.ACTIVE:
        raise _REFUSALS[status]()
    visitor_pass.entries_used += 1
    entry = VisitorEntry(visitor_pass=visitor_pass, community_id=community_id, guard_id=actor.user_id, entered_at=now)
    session.add(entry)
    session.commit()
    return entry
