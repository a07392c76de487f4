"""Responses' JSON written by orjson: what Flask's own provider writes, several times faster.

The same document as Flask's `DefaultJSONProvider`: keys sorted, compact, dates and times as HTTP
dates (for a value that reaches JSON unformatted; schemas format theirs first), UUIDs and Decimals
as strings, dataclasses as objects, lazy translations as their text. Only the bytes differ where
JSON allows: text is UTF-8 rather than \\u escapes. A value orjson refuses (an integer beyond
64 bits) is written by the standard library instead. Request bodies keep the edge's parser.
"""
from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
from datetime import date
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.http import http_date

OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(value: Any) -> bytes:
    """`value` as the JSON bytes of a response body (without the final newline)."""
    try:
        return orjson.dumps(value, default=_default, option=OPTIONS)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits; anything else unserialisable raises there too, as Flask's would.
        return json.dumps(value, default=_default, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.keys() - {"separators"}:  # indent and friends: the standard library's way
            return super().dumps(obj, **kwargs)
        return to_json(obj).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(obj)
        return self._app.response_class(to_json(obj) + b"\n", mimetype=self.mimetype)


def init_app(app: Flask) -> None:
    app.json = OrjsonProvider(app)
