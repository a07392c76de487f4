"""Rate limits on Redis (in memory without it), built on `limits`, the engine of Flask-Limiter.

Services call `check`/`hit` with their own keys, so a limit can count what it should (every login
attempt per address, only failed ones per account) rather than every request to a route.

With Redis configured but unreachable, `RATE_LIMITS_WHEN_REDIS_DOWN` decides, and an error is
logged: "local" (the default) counts in this process's memory until Redis answers again, so every
limit still holds per process (looser by the number of processes, never gone); "open" applies no
limit. A login never fails because its limiter's storage did.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from core.errors import RateLimited
from core.i18n import lazy_gettext as _l
from core.jobs import jobs

log = logging.getLogger(__name__)


def init_app(app: Flask, redis_url: str | None) -> None:
    if redis_url:
        # Short timeouts: a blackholed Redis must cost a login a second or two, then none (the
        # shared RedisHealth skips Redis for a few seconds after a failure).
        storage = storage_from_string(redis_url, wrap_exceptions=True, socket_connect_timeout=1, socket_timeout=2)
    else:
        storage = MemoryStorage()
    app.extensions["linli.ratelimit"] = {
        "shared": MovingWindowRateLimiter(storage),
        "local": MovingWindowRateLimiter(MemoryStorage()),
        "when_down": app.config["RATE_LIMITS_WHEN_REDIS_DOWN"] if redis_url else None,
        "reported_at": 0.0,
    }


def _call(method: str, item: RateLimitItem, key: tuple[str, ...]):
    """`method` of the shared limiter, or, with Redis down, of the local one (None when "open")."""
    state = current_app.extensions["linli.ratelimit"]
    if state["when_down"] is None or not jobs.health.down:
        try:
            return getattr(state["shared"], method)(item, "linli", *key)
        except (StorageError, RedisError):
            jobs.health.failed()
    if time.monotonic() - state["reported_at"] > 60:
        state["reported_at"] = time.monotonic()
        log.error("Redis is unavailable: rate limits %s", "count in this process" if state["when_down"] == "local"
                  else "are not applied (RATE_LIMITS_WHEN_REDIS_DOWN=open)")
    if state["when_down"] == "open":
        return None
    return getattr(state["local"], method)(item, "linli", *key)


def check(limit: str, *key: str) -> None:
    """Raise 429 with Retry-After if `key` has used up `limit` (e.g. "5 per minute")."""
    item = parse(limit)
    if _call("test", item, key) is not False:
        return
    reset_at, _remaining = _call("get_window_stats", item, key) or (time.time() + 1, 0)
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise RateLimited(
        _l("Too many attempts; try again in %(seconds)s seconds.", seconds=retry_after),
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


def hit(limit: str, *key: str) -> None:
    _call("hit", parse(limit), key)
