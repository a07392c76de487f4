"""Use cases of identity: registering, logging in, rotating and revoking tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core import ratelimit
from core.auth import issue_access_token, revoke_login
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from identity.errors import InvalidCredentials, InvalidLogin, InvalidRefreshToken, LoginTaken
from identity.models import RefreshToken, User

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_CN_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_KIB"])


def _dummy_hash(hasher: PasswordHasher) -> str:
    cached = current_app.extensions.get("linli.dummy_password_hash")
    if cached is None:
        cached = current_app.extensions["linli.dummy_password_hash"] = hasher.hash(secrets.token_hex(16))
    return cached


def normalize_login(login: str) -> tuple[str, str]:
    """('email', 'a@b.cn') or ('phone', '+8613800138000'); mainland numbers may omit +86."""
    value = login.strip()
    if "@" in value:
        if not _EMAIL.match(value):
            raise InvalidLogin(errors={"login": [str(_l("Not a valid email address."))]})
        return "email", value.lower()
    digits = re.sub(r"[\s-]", "", value)
    if match := _CN_MOBILE.match(digits):
        return "phone", "+86" + match.group(1)
    if _E164.match(digits):
        return "phone", digits
    raise InvalidLogin(errors={"login": [str(_l("Not a valid mobile number."))]})


def find_user_by_login(session: Session, login: str) -> User | None:
    kind, value = normalize_login(login)
    column = User.email if kind == "email" else User.phone
    return session.scalar(select(User).where(column == value))


def register_user(
    session: Session,
    *,
    password: str,
    display_name: str,
    email: str | None = None,
    phone: str | None = None,
    platform_role: str | None = None,
) -> User:
    """Creates an account. Commits."""
    if not email and not phone:
        raise InvalidInput(errors={"email": [str(_l("Give an email or a phone number."))]})
    user = User(display_name=display_name.strip(), platform_role=platform_role)
    if email:
        kind, user.email = normalize_login(email)
        if kind != "email":
            raise InvalidLogin(errors={"email": [str(_l("Not a valid email address."))]})
    if phone:
        kind, user.phone = normalize_login(phone)
        if kind != "phone":
            raise InvalidLogin(errors={"phone": [str(_l("Not a valid mobile number."))]})
    same_login = [column == value for column, value in ((User.email, user.email), (User.phone, user.phone)) if value]
    if session.scalar(select(User.id).where(or_(*same_login))) is not None:
        raise LoginTaken()
    user.password_hash = _hasher().hash(password)
    session.add(user)
    session.commit()
    return user


def _new_refresh_token(session: Session, user_id: int, family_id: str, raw: str | None = None) -> str:
    raw = raw or secrets.token_urlsafe(32)
    ttl = current_app.config["REFRESH_TOKEN_TTL_SECONDS"]
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=_digest(raw),
            expires_at=utcnow() + timedelta(seconds=ttl),
        )
    )
    return raw


def _access_token(user_id: int, family_id: str) -> str:
    cfg = current_app.config
    return issue_access_token(
        user_id, ttl_seconds=cfg["ACCESS_TOKEN_TTL_SECONDS"], secret=cfg["SECRET_KEY"], login_id=family_id
    )


def _token_pair(session: Session, user_id: int, family_id: str) -> TokenPair:
    return TokenPair(
        access_token=_access_token(user_id, family_id),
        refresh_token=_new_refresh_token(session, user_id, family_id),
        expires_in=current_app.config["ACCESS_TOKEN_TTL_SECONDS"],
    )


def _successor_of(raw: str) -> str:
    """The refresh token that replaces `raw`: the same each time it is computed, so refreshes of one
    token in the reuse window all get it, and no usable token is ever stored (only its digest)."""
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, b"linli refresh-token successor\x00" + raw.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def log_in(session: Session, *, login: str, password: str, address: str) -> TokenPair:
    """Checks the password and issues a token pair. Commits; counts failures for rate limits.

    Every attempt counts against the caller's address; only failed ones count against the
    account, so its owner is not locked out by a flood from elsewhere for long.
    """
    cfg = current_app.config
    ratelimit.check(cfg["LOGIN_RATE_LIMIT_PER_ADDRESS"], "login-address", address)
    ratelimit.hit(cfg["LOGIN_RATE_LIMIT_PER_ADDRESS"], "login-address", address)
    try:
        _kind, normalized = normalize_login(login)
    except InvalidLogin:
        raise InvalidCredentials() from None
    ratelimit.check(cfg["LOGIN_RATE_LIMIT_PER_ACCOUNT"], "login-account", normalized)
    user = find_user_by_login(session, login)
    hasher = _hasher()
    try:
        if user is None:
            # Spend the same time as a real check, so timing does not reveal which logins exist.
            hasher.verify(_dummy_hash(hasher), password)
            raise VerificationError()
        hasher.verify(user.password_hash, password)
        if not user.is_active:
            raise VerificationError()
    except (VerificationError, InvalidHashError):
        ratelimit.hit(cfg["LOGIN_RATE_LIMIT_PER_ACCOUNT"], "login-account", normalized)
        raise InvalidCredentials() from None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    pair = _token_pair(session, user.id, uuid.uuid4().hex)
    session.commit()
    return pair


def refresh_tokens(session: Session, *, refresh_token: str) -> TokenPair:
    """Rotates a refresh token into its successor and a new access token. Commits.

    The same token sent again within REFRESH_TOKEN_REUSE_SECONDS of its rotation, while its
    successor is still unused, gets that successor again (mobile clients refresh several times at
    once), as Auth0's reuse interval does. Any other reuse of a rotated token is taken for a stolen
    one: it revokes the whole family, access tokens included.
    """
    # The row lock serialises refreshes of one token: the first rotates it, the others wait and
    # then find it rotated (SQLite serialises every transaction instead).
    token = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh_token)).with_for_update()
    )
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise InvalidRefreshToken()
    successor = _successor_of(refresh_token)
    if token.used_at is not None and not _may_reuse(session, token, successor, now):
        # A stolen token is being replayed (or the client is broken): end every session of it.
        _revoke_family(session, token.family_id)
        session.commit()
        raise InvalidRefreshToken()
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise InvalidRefreshToken()
    if token.used_at is None:
        token.used_at = now
        _new_refresh_token(session, token.user_id, token.family_id, raw=successor)
    pair = TokenPair(
        access_token=_access_token(token.user_id, token.family_id),
        refresh_token=successor,
        expires_in=current_app.config["ACCESS_TOKEN_TTL_SECONDS"],
    )
    session.commit()
    return pair


def _may_reuse(session: Session, token: RefreshToken, successor: str, now: datetime) -> bool:
    """A rotated token is forgiven within the window, and only while it is the latest rotated one:
    once its successor has been rotated too, an older token coming back is a replay."""
    window = current_app.config["REFRESH_TOKEN_REUSE_SECONDS"]
    if not window or now - token.used_at > timedelta(seconds=window):
        return False
    # Locked, so a rotation of the successor in flight finishes first and is seen.
    following = session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == _digest(successor), RefreshToken.family_id == token.family_id)
        .with_for_update()
    )
    return following is not None and following.used_at is None and following.revoked_at is None


def log_out(session: Session, *, refresh_token: str) -> None:
    """Revokes the refresh-token family of this session. Commits."""
    token = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh_token)))
    if token is None:
        raise InvalidRefreshToken()
    _revoke_family(session, token.family_id)
    session.commit()


def _revoke_family(session: Session, family_id: str) -> None:
    """Ends a login: its refresh tokens, and its access tokens too (see core.auth.revoke_login)."""
    revoke_login(session, family_id)
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
