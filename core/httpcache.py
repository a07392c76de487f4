"""Conditional GET: JSON reads with an ETag of their exact bytes, 304 when the client has them,
and the bytes themselves from the cache (core/cache.py) when nothing they show has changed.

The ETag is a digest of the body and of the language it was written for, so it validates this
very representation. Every such read is `Cache-Control: private, no-cache`: what one member or
user sees is for their client alone, never a shared cache, and is revalidated before each use
(a 304 costs the server the cache lookup, no database and no serialising).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, current_app, g, request

from core.cache import Entry, current_cache
from core.i18n import select_locale
from core.json_provider import to_json

CACHE_CONTROL = "private, no-cache"
VARY = "Authorization, Accept-Language"


def entry(deps: Sequence[str], kind: str, *parts: Any) -> Entry:
    """The cache entry of a read in this request's language, keyed by what scopes it (community,
    user, filters, page) and computed from the scopes `deps`: a readable kind, the rest hashed."""
    digest = hashlib.blake2b(to_json([_locale(), *parts]), digest_size=16).hexdigest()
    return Entry(f"{kind}:{digest}", tuple(deps))


def cached_json(
    read: Entry,
    load: Callable[[], Any],
    dump: Callable[[Any], Any],
    *,
    ttl: int | Callable[[Any], int],
    cache: bool = True,
) -> Response:
    """What `load()` returns, dumped by `dump` (a schema's), as a conditional JSON response: from
    the cache when the scopes `read` depends on have not changed since it was stored.

    `ttl` may be a function of what `load` returned (a read that changes with the clock says
    when); `cache=False` loads every time, and still answers 304 to a client that has it.
    """
    lookup = current_cache().fetch(read.key, read.deps) if cache else None
    if lookup is not None and lookup.payload is not None:
        body = lookup.payload
    else:
        found = load()
        body = to_json(dump(found))
        if lookup is not None:
            current_cache().store(lookup, body, ttl=ttl(found) if callable(ttl) else ttl)
    return conditional(body, _locale())


def _locale() -> str:
    """The request's language, chosen once: keys and the ETag both name it."""
    if "_linli_locale" not in g:
        g._linli_locale = select_locale()
    return g._linli_locale


def conditional(body: bytes, locale: str) -> Response:
    """A 200 with `body` and its ETag, or a 304 when the request already names that ETag."""
    etag = hashlib.blake2b(locale.encode() + b"\0" + body, digest_size=16).hexdigest()
    headers = {"Cache-Control": CACHE_CONTROL, "Vary": VARY}
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304, headers=headers)
        response.set_etag(etag)
        del response.headers["Content-Type"]
        return response
    response = current_app.response_class(body + b"\n", mimetype="application/json", headers=headers)
    response.set_etag(etag)
    return response
