"""Authentication of a request into an `Actor`, and the access tokens that carry it.

The actor (platform role, memberships) is cached in Redis per user, under the scopes `ACTORS`
and `actor_scope(user_id)`, which the floors owning users and memberships bump on every change
(see core/cache.py): one Redis round trip answers both "is this login revoked" and "who is it".
"""
from __future__ import annotations

import functools
import logging
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt
import orjson
from flask import Flask, current_app, g, has_app_context, request
from redis.exceptions import RedisError
from sqlalchemy import String, delete, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.cache import Entry, current_cache
from core.db import db
from core.errors import Unauthenticated
from core.i18n import lazy_gettext as _l
from core.jobs import job, jobs
from core.models import Base, utcnow

PLATFORM_ADMIN = "admin"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
JWT_ALGORITHM = "HS256"

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Membership:
    community_id: int
    role: str  # resident, manager, guard, maintenance (community floor owns the list)


@dataclass(frozen=True)
class Actor:
    """Who is calling: passed explicitly from the view into every service and query."""

    user_id: int
    platform_role: str | None = None
    memberships: tuple[Membership, ...] = field(default_factory=tuple)

    @property
    def is_platform_admin(self) -> bool:
        return self.platform_role == PLATFORM_ADMIN

    def roles_in(self, community_id: int) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships if m.community_id == community_id)

    def has_role(self, community_id: int, *roles: str) -> bool:
        return bool(self.roles_in(community_id) & set(roles))

    def community_ids(self, *roles: str) -> frozenset[int]:
        return frozenset(m.community_id for m in self.memberships if not roles or m.role in roles)


ActorLoader = Callable[[int], Actor | None]
Prefetch = Callable[[int], Sequence[Entry]]  # user id -> cache entries the view will read

# Scopes of the cached actors: one user's, and everyone's (a change whose users are not known).
# Communities go too: deleting one ends its memberships by cascade, unseen by the session.
ACTORS, COMMUNITIES = "actors", "communities"
ACTOR_CACHE_SECONDS = 300


def actor_scope(user_id: int) -> str:
    return f"actor:{user_id}"


def actor_deps(user_id: int) -> tuple[str, ...]:
    """The scopes an actor is computed from; reads derived from the actor depend on them too."""
    return ACTORS, COMMUNITIES, actor_scope(user_id)


def _encode(actor: Actor) -> bytes:
    return orjson.dumps([actor.platform_role, [[m.community_id, m.role] for m in actor.memberships]])


def _decode(user_id: int, payload: bytes) -> Actor:
    platform_role, memberships = orjson.loads(payload)
    return Actor(user_id, platform_role, tuple(Membership(c, r) for c, r in memberships))


def init_app(app: Flask, load_actor: ActorLoader) -> None:
    """`load_actor(user_id)` is supplied by the floors that know users and memberships."""
    app.extensions["linli.load_actor"] = load_actor


def issue_access_token(user_id: int, *, ttl_seconds: int, secret: str, login_id: str | None = None) -> str:
    """A short-lived JWT; `login_id` (the login's refresh-token family) lets a logout revoke it at once."""
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "typ": ACCESS_TOKEN_TYPE,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    if login_id is not None:
        claims["sid"] = login_id
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


_REVOKED_KEY = "linli:revoked-login:{}"
_TO_CACHE = "linli.revoked_logins_to_cache"


class RevokedLogin(Base):
    """A login whose access tokens stop working before their expiry; Redis holds a cache of it."""

    __tablename__ = "revoked_logins"

    login_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    revoked_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # when its last access token expires anyway


def revoke_login(session: Session, login_id: str) -> None:
    """The access tokens of this login stop working now rather than at their expiry. Durable with the
    caller's commit (it is the caller's transaction); then cached in Redis, at once and again by a job
    (which repairs the cache once Redis is back from an outage)."""
    now = utcnow()
    values = {"login_id": login_id, "revoked_at": now,
              "expires_at": now + timedelta(seconds=current_app.config["ACCESS_TOKEN_TTL_SECONDS"])}
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = insert(RevokedLogin).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[RevokedLogin.login_id], set_={"expires_at": statement.excluded.expires_at}))
    if jobs.redis is not None:
        session.info.setdefault(_TO_CACHE, []).append(login_id)
        jobs.enqueue_after_commit(session, cache_revoked_login, login_id)


@job("high", timeout=30)
def cache_revoked_login(login_id: str) -> bool:
    """Puts a revocation into Redis for the rest of its life. Safe to run twice."""
    revoked = db.session.get(RevokedLogin, login_id)
    if revoked is None or jobs.redis is None:
        return False
    remaining = math.ceil((revoked.expires_at - utcnow()).total_seconds())
    if remaining > 0:
        jobs.redis.set(_REVOKED_KEY.format(login_id), 1, ex=remaining)
    return remaining > 0


@event.listens_for(Session, "after_commit")
def _cache_revocations(session: Session) -> None:
    login_ids = session.info.pop(_TO_CACHE, None)
    if not login_ids or not has_app_context() or jobs.redis is None or jobs.health.down:
        return  # the job caches them once Redis answers
    ttl = current_app.config["ACCESS_TOKEN_TTL_SECONDS"]
    try:
        with jobs.redis.pipeline() as pipe:
            for login_id in login_ids:
                pipe.set(_REVOKED_KEY.format(login_id), 1, ex=ttl)
            pipe.execute()
    except RedisError:
        jobs.health.failed()
        log.error("Redis is unavailable: revoked logins are checked in the database meanwhile")


@event.listens_for(Session, "after_soft_rollback")
def _forget_revocations(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_TO_CACHE, None)


def _revoked(login_id: str) -> bool:
    """One Redis lookup; the database when there is no Redis, when it fails, and for an access
    token's lifetime after it last failed here (revocations made meanwhile may not be cached yet)."""
    if jobs.redis is not None and not jobs.health.failed_within(current_app.config["ACCESS_TOKEN_TTL_SECONDS"]):
        try:
            return bool(jobs.redis.exists(_REVOKED_KEY.format(login_id)))
        except RedisError:
            jobs.health.failed()
            log.error("Redis is unavailable: revoked logins are checked in the database meanwhile")
    revoked = db.session.get(RevokedLogin, login_id)
    return revoked is not None and revoked.expires_at > utcnow()


@job("low", timeout=300)
def purge_expired_revocations() -> int:
    """Deletes revocations whose access tokens have expired anyway."""
    result = db.session.execute(delete(RevokedLogin).where(RevokedLogin.expires_at < utcnow()))
    db.session.commit()
    return result.rowcount


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[int, str | None, float]:
    """The user, login and expiry of a token whose signature and claims check out.

    Remembered per process: a client sends the same token for minutes, and checking it costs more
    than the rest of a cached read. Only what verified is remembered (errors are not), under the
    whole token and secret; expiry is checked on every request by the caller.
    """
    claims = jwt.decode(token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["sub", "exp", "typ"]})
    if claims["typ"] != ACCESS_TOKEN_TYPE:
        raise jwt.InvalidTokenError("not an access token")
    login_id = claims.get("sid") if isinstance(claims.get("sid"), str) else None
    return int(claims["sub"]), login_id, float(claims["exp"])


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_actor(*, prefetch: Prefetch | None = None) -> Actor:
    """The authenticated actor of this request, or 401 problem.

    `prefetch(user_id)` names the cache entries the view reads next: they are fetched with the
    actor, so a cached read costs one round trip to Redis in all.
    """
    if "_actor" in g:
        return g._actor
    token = _bearer_token()
    if token is None:
        raise Unauthenticated(
            _l("Send an access token as 'Authorization: Bearer <token>'."),
            headers={"WWW-Authenticate": 'Bearer realm="linli"'},
        )
    g._actor = actor_of_token(token, prefetch=prefetch)
    return g._actor


def actor_of_token(token: str, *, prefetch: Prefetch | None = None) -> Actor:
    """The actor an access token stands for, or 401 problem (invalid, expired, logged out, inactive):
    a bearer token's, or one a browser session of the console holds."""
    try:
        user_id, login_id, expires = _verified(token, current_app.config["SECRET_KEY"])
        if expires <= time.time():
            raise jwt.ExpiredSignatureError("expired")
        actor = _actor(user_id, login_id, prefetch)
    except (jwt.InvalidTokenError, ValueError):
        raise Unauthenticated(
            _l("The access token is invalid or has expired."),
            headers={"WWW-Authenticate": 'Bearer realm="linli", error="invalid_token"'},
        ) from None
    if actor is None:
        raise Unauthenticated(_l("The account of this token is no longer active."))
    return actor


def _actor(user_id: int, login_id: str | None, prefetch: Prefetch | None) -> Actor | None:
    """The user's actor unless the login is revoked: cached, else loaded (and cached). What the
    view will read from the cache next (`prefetch`) comes in the same round trip."""
    load = current_app.extensions["linli.load_actor"]
    cache = current_cache()
    entries = [Entry(f"actor:{user_id}", actor_deps(user_id)), *(prefetch(user_id) if prefetch else ())]
    # Right after a Redis outage, revocations made meanwhile may be only in the database: `_revoked`
    # asks it until the cache has had an access token's lifetime to be repaired.
    recent_outage = jobs.health.failed_within(current_app.config["ACCESS_TOKEN_TTL_SECONDS"])
    found = None if recent_outage else cache.fetch_many(
        entries, extra=[_REVOKED_KEY.format(login_id)] if login_id else [], ahead=True)
    if found is None:  # no Redis, Redis failing or lately failed: as without a cache
        if login_id and _revoked(login_id):
            raise jwt.InvalidTokenError("logged out")
        return load(user_id)
    (lookup, *_), revoked = found
    if login_id and revoked[0] is not None:
        raise jwt.InvalidTokenError("logged out")
    if lookup.payload is not None:
        return _decode(user_id, lookup.payload)
    actor = load(user_id)
    if actor is not None:
        cache.store(lookup, _encode(actor), ttl=ACTOR_CACHE_SECONDS)
    return actor
