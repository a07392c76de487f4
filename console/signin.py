"""Signing in to the console: the same accounts, password check and rate limits as
`POST /api/auth/token` (identity's log_in), and the same tokens, kept in the session cookie.

The session holds the login's access and refresh token: each request's actor is the access
token's, built by core.auth as for a bearer token (so a logout anywhere, a changed membership or
a deactivated account count at once); an expired access token is rotated with the refresh token,
as the mobile client does, and signing out revokes the login.
"""
from __future__ import annotations

from flask import request, session

from core.auth import Actor, actor_of_token
from core.db import db
from core.errors import DomainError, Unauthenticated
from identity import service as identity

ACCESS, REFRESH = "access_token", "refresh_token"


def _keep(pair: identity.TokenPair) -> None:
    session[ACCESS], session[REFRESH] = pair.access_token, pair.refresh_token


def sign_in(*, login: str, password: str) -> None:
    """Checks the password (InvalidCredentials, RateLimited) and starts a new session: nothing of a
    session before it (its CSRF token included) survives."""
    pair = identity.log_in(db.session, login=login, password=password, address=request.remote_addr or "unknown")
    session.clear()
    session.permanent = True
    _keep(pair)


def session_actor() -> Actor | None:
    """The signed-in actor, or None (no session, or its login ended)."""
    access = session.get(ACCESS)
    if not access:
        return None
    try:
        return actor_of_token(access)
    except Unauthenticated:
        pass
    try:
        pair = identity.refresh_tokens(db.session, refresh_token=session.get(REFRESH) or "")
        _keep(pair)
        return actor_of_token(pair.access_token)
    except DomainError:
        session.clear()
        return None


def sign_out() -> None:
    """Ends the login: its refresh token and every access token of it stop working."""
    refresh = session.get(REFRESH)
    session.clear()
    if refresh:
        try:
            identity.log_out(db.session, refresh_token=refresh)
        except DomainError:
            db.session.rollback()  # already ended elsewhere
