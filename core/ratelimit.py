"""Rate limits on Redis (in memory without it), built on `limits`, the engine of Flask-Limiter.

Services call `check`/`hit` with their own keys, so a limit can count what it should (every login
attempt per address, only failed ones per account) rather than every request to a route.
"""
from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from core.errors import RateLimited
from core.i18n import lazy_gettext as _l


def init_app(app: Flask, redis_url: str | None) -> None:
    storage = storage_from_string(redis_url) if redis_url else MemoryStorage()
    app.extensions["linli.ratelimit"] = MovingWindowRateLimiter(storage)


def _limiter() -> MovingWindowRateLimiter:
    return current_app.extensions["linli.ratelimit"]


def check(limit: str, *key: str) -> None:
    """Raise 429 with Retry-After if `key` has used up `limit` (e.g. "5 per minute")."""
    item = parse(limit)
    if not _limiter().test(item, "linli", *key):
        reset_at, _remaining = _limiter().get_window_stats(item, "linli", *key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            _l("Too many attempts; try again in %(seconds)s seconds.", seconds=retry_after),
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


def hit(limit: str, *key: str) -> None:
    _limiter().hit(parse(limit), "linli", *key)
