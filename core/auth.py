"""Authentication of a request into an `Actor`, and the access tokens that carry it."""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import jwt
from flask import Flask, current_app, g, request
from redis.exceptions import RedisError

from core.errors import Unauthenticated
from core.i18n import lazy_gettext as _l
from core.jobs import jobs
from core.models import utcnow

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
_REVOKED_HERE = "linli.revoked_logins"


def revoke_login(login_id: str) -> None:
    """The access tokens of this login stop working now rather than at their expiry.

    Kept for one access-token lifetime, after which they would have expired anyway: in Redis, so
    every worker sees it, or in this process when there is no Redis (the embedded default).
    """
    ttl = current_app.config["ACCESS_TOKEN_TTL_SECONDS"]
    if jobs.redis is not None:
        jobs.redis.set(_REVOKED_KEY.format(login_id), 1, ex=ttl)
        return
    here = current_app.extensions.setdefault(_REVOKED_HERE, {})
    now = time.monotonic()
    for expired in [k for k, until in here.items() if until <= now]:
        del here[expired]
    here[login_id] = now + ttl


def _revoked(login_id: str) -> bool:
    if jobs.redis is None:
        return current_app.extensions.get(_REVOKED_HERE, {}).get(login_id, 0) > time.monotonic()
    try:
        return bool(jobs.redis.exists(_REVOKED_KEY.format(login_id)))
    except RedisError:
        # Fail open: with Redis down, a logged-out token lives to its expiry (minutes), as it
        # would without this check, rather than every request failing.
        log.warning("could not check revoked logins: Redis unavailable")
        return False


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_actor() -> Actor:
    """The authenticated actor of this request, or 401 problem."""
    if "_actor" in g:
        return g._actor
    token = _bearer_token()
    if token is None:
        raise Unauthenticated(
            _l("Send an access token as 'Authorization: Bearer <token>'."),
            headers={"WWW-Authenticate": 'Bearer realm="linli"'},
        )
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "exp", "typ"]},
        )
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            raise jwt.InvalidTokenError("not an access token")
        if isinstance(claims.get("sid"), str) and _revoked(claims["sid"]):
            raise jwt.InvalidTokenError("logged out")
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        raise Unauthenticated(
            _l("The access token is invalid or has expired."),
            headers={"WWW-Authenticate": 'Bearer realm="linli", error="invalid_token"'},
        ) from None
    actor = current_app.extensions["linli.load_actor"](user_id)
    if actor is None:
        raise Unauthenticated(_l("The account of this token is no longer active."))
    g._actor = actor
    return actor
