"""Redis caches of hot reads, and their invalidation by the commits that change what they hold.

An entry is stored with the versions of the scopes it was computed from (`"catalog"`,
`"actor:42"`, ...). A reader fetches the entry and the current versions in one round trip and
uses the entry only if they still match. A commit that changes rows bumps the versions of their
scopes after it commits: which scopes a table's rows belong to is declared by the floor that owns
the table (`cache.watch(Model, scopes, bulk=...)`, from `create_app`), and the session events
below collect them from every flush and every bulk UPDATE, DELETE or INSERT.

Why it is never stale: the versions are read before the database, and bumped after the commit.
A reader that saw the old versions may store what it read before the commit, but under the old
versions, which no longer match; a reader that saw the new versions reads after the commit.

What is not seen: writes that bypass the Session (a raw `Connection.execute`, legacy
`bulk_save_objects`, SQL from outside the app). Write watched tables through a Session, as the
project does everywhere; an import from outside must bump the scopes itself (`Cache.bump`).

Entries are keyed by a fingerprint of the code too, so a release never serves its predecessor's
shapes. With no Redis configured, or Redis failing, reads go to the database (a failing Redis is
left alone for a second before it is tried again); a bump that fails is logged, and entries expire
on their own within their time to live.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, current_app, g
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Connection, Engine, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger(__name__)

_ENTRY = "linli:cache:{}:{}"
_VERSION = "linli:version:{}"
# Longer than any entry lives, renewed by every bump: a version that expired and started again
# from nothing could otherwise match an entry stored before its last bump.
_VERSION_TTL = 7 * 86_400
_PENDING = "linli.cache.bumps"
_AHEAD = "_linli_cache_ahead"
_RETRY_AFTER_SECONDS = 1.0
# What a commit cannot know the rows of (a bulk UPDATE, an ON DELETE CASCADE): ask a table's
# rule for its `bulk` scopes, which every entry over its rows depends on as well.
INSERT, UPDATE, DELETE = "insert", "update", "delete"

Scopes = Callable[[Any, str], Iterable[str]]


@dataclass(frozen=True)
class Rule:
    scopes: Scopes  # (row, INSERT | UPDATE | DELETE) -> the scopes of the row
    bulk: tuple[str, ...]  # the scopes of a statement whose rows are not known


@dataclass(frozen=True)
class Entry:
    """A cached read: its key, and the scopes it is computed from."""

    key: str
    deps: tuple[str, ...]


@dataclass
class Lookup:
    """What one round trip found of an entry: its payload if still current, and the versions read."""

    key: str
    tag: bytes
    payload: bytes | None


class Cache:
    """One per app: the Redis client of the caches, and which tables' changes bump which scopes."""

    def __init__(self, redis: Redis | None) -> None:
        self.redis = redis
        self.rules: dict[str, list[Rule]] = {}
        self._retry_at = 0.0
        self._namespace: str | None = None

    @property
    def available(self) -> bool:
        return self.redis is not None and time.monotonic() >= self._retry_at

    def watch(self, model: type, scopes: Scopes, *, bulk: Iterable[str]) -> None:
        """Commits that change rows of `model` bump `scopes(row, change)`, or `bulk` when the rows are unknown."""
        table = model.__table__.name  # type: ignore[attr-defined]
        self.rules.setdefault(table, []).append(Rule(scopes, tuple(bulk)))

    # -- reading ---------------------------------------------------------------------------------

    def fetch(self, key: str, deps: Sequence[str]) -> Lookup | None:
        """The entry `key` if its `deps` have not changed since it was stored; None when Redis is
        unavailable. An entry fetched ahead in this request (`fetch_many`) costs no round trip."""
        ahead = g.get(_AHEAD)
        if ahead and key in ahead:
            return ahead.pop(key)
        found = self.fetch_many([Entry(key, tuple(deps))])
        return found[0][0] if found else None

    def fetch_many(self, entries: Sequence[Entry], *, extra: Sequence[str] = (),
                   ahead: bool = False) -> tuple[list[Lookup], list[bytes | None]] | None:
        """The entries and the values of the `extra` keys, in one round trip; None when Redis is
        unavailable. `ahead` keeps the lookups for this request's `fetch` of the same keys."""
        if not self.available:
            return None
        versions = list(dict.fromkeys(d for entry in entries for d in entry.deps))
        keys = [_ENTRY.format(self.namespace, entry.key) for entry in entries]
        try:
            values = self.redis.mget([*keys, *(_VERSION.format(v) for v in versions), *extra])
        except RedisError:
            self._failed("read")
            return None
        current = dict(zip(versions, values[len(keys) : len(keys) + len(versions)], strict=True))
        lookups = []
        for entry, key, stored in zip(entries, keys, values, strict=False):
            tag = b",".join(current[d] or b"0" for d in entry.deps)
            payload = None
            if stored is not None:
                stored_tag, _, body = stored.partition(b"\n")
                payload = body if stored_tag == tag else None
            lookups.append(Lookup(key, tag, payload))
        if ahead:
            g.setdefault(_AHEAD, {}).update((entry.key, lookup) for entry, lookup in zip(entries, lookups, strict=True))
        return lookups, values[len(keys) + len(versions) :]

    def store(self, lookup: Lookup, payload: bytes, *, ttl: int) -> None:
        """Stores what was read after `lookup`, under the versions `lookup` saw."""
        if ttl <= 0 or self.redis is None:
            return
        try:
            self.redis.set(lookup.key, lookup.tag + b"\n" + payload, ex=ttl)
        except RedisError:
            self._failed("write")

    def cached(self, key: str, deps: Sequence[str], compute: Callable[[], bytes], *, ttl: int) -> bytes:
        """The entry, or `compute()` stored for next time."""
        lookup = self.fetch(key, deps)
        if lookup is not None and lookup.payload is not None:
            return lookup.payload
        payload = compute()
        if lookup is not None:
            self.store(lookup, payload, ttl=ttl)
        return payload

    @property
    def namespace(self) -> str:
        if self._namespace is None:
            self._namespace = code_fingerprint()
        return self._namespace

    def _failed(self, what: str) -> None:
        self._retry_at = time.monotonic() + _RETRY_AFTER_SECONDS
        log.warning("cache %s failed: Redis unavailable; reading the database", what)

    # -- invalidating ----------------------------------------------------------------------------

    def bump(self, scopes: Iterable[str]) -> None:
        """New versions for `scopes`: every entry computed from them is no longer current."""
        scopes = sorted(set(scopes))
        if not scopes or self.redis is None:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            for scope in scopes:
                pipe.incr(_VERSION.format(scope))
                pipe.expire(_VERSION.format(scope), _VERSION_TTL)
            pipe.execute()
        except RedisError:
            # Entries of these scopes may stay stale until they expire: say which.
            log.error("cache invalidation failed (Redis unavailable) for %s", ", ".join(scopes))

    def scopes_of_row(self, obj: Any, change: str) -> set[str]:
        found: set[str] = set()
        for rule in self.rules.get(getattr(getattr(obj, "__table__", None), "name", ""), ()):
            try:
                found.update(rule.scopes(obj, change))
                if change == UPDATE:
                    found.update(rule.scopes(_Before(obj), change))  # the row moved: its old scopes too
            except Exception:  # never fail a flush over this: invalidate more instead
                log.exception("cache scopes of %s failed; bumping the table's", type(obj).__name__)
                found.update(rule.bulk)
        return found

    def scopes_of_table(self, table: str) -> set[str]:
        return {scope for rule in self.rules.get(table, ()) for scope in rule.bulk}


class _Before:
    """A row as it was before the flush: the old value of each attribute the flush changed."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj
        self._attrs = inspect(obj).attrs

    def __getattr__(self, name: str) -> Any:
        attribute = self._attrs.get(name) if name in self._attrs else None
        if attribute is not None and attribute.history.deleted:
            return attribute.history.deleted[0]
        return getattr(self._obj, name)


def code_fingerprint() -> str:
    """A digest of the application's code and translations: entries of another release never match."""
    root = Path(__file__).resolve().parent.parent
    packages = sorted(p for p in root.iterdir() if (p / "__init__.py").is_file() and p.name not in _NOT_SERVED)
    paths = [*sorted(root.glob("*.py")), *(path for p in packages for path in sorted(p.rglob("*.py"))),
             *sorted(root.glob("translations/*/LC_MESSAGES/*.mo"))]
    digest = hashlib.blake2b(digest_size=8)
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


_NOT_SERVED = frozenset({"tests", "bench", "migrations"})


_BY_ENGINE: WeakKeyDictionary[Engine, Cache] = WeakKeyDictionary()


def init_app(app: Flask, redis_url: str | None, engine: Engine) -> Cache:
    """The app's cache; commits on `engine` (any session bound to it) invalidate it."""
    redis = Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5) if redis_url else None
    cache = Cache(redis)
    app.extensions["linli.cache"] = cache
    _BY_ENGINE[engine] = cache
    return cache


def current_cache() -> Cache:
    return current_app.extensions["linli.cache"]


def _cache_of(session: Session) -> Cache | None:
    bind = session.bind
    if bind is None:
        return None
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _BY_ENGINE.get(engine)


def _collect(session: Session, scopes: Iterable[str]) -> None:
    session.info.setdefault(_PENDING, set()).update(scopes)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    cache = _cache_of(session)
    if cache is None or not cache.rules:
        return
    for change, objects in ((INSERT, session.new), (DELETE, session.deleted), (UPDATE, session.dirty)):
        for obj in objects:
            if change == UPDATE and not session.is_modified(obj, include_collections=False):
                continue
            _collect(session, cache.scopes_of_row(obj, change))


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState):
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    cache = _cache_of(state.session)
    if cache is None or not cache.rules:
        return None
    table = getattr(getattr(state.statement, "table", None), "name", None)
    scopes = set().union(*(cache.scopes_of_table(name) for name in (
        {table} if table else {m.local_table.name for m in state.all_mappers})))
    if not scopes:
        return None
    # Run it here to see whether it changed anything: a periodic job's UPDATE that matched no
    # row, or a conditional one that lost its race, leaves every cache as it was.
    result = state.invoke_statement()
    if getattr(result, "rowcount", -1) != 0:
        _collect(state.session, scopes)
    return result


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        cache = _cache_of(session)
        if cache is not None:
            cache.bump(pending)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
