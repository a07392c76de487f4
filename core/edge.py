"""What every request is refused at the edge, before a view runs: JSON that is too deep or not
Unicode (400), and control characters in text, in JSON, query, form or path (422, or no route).

JSON is parsed once per request (`request.get_json()`, which webargs reads too); its depth is
found before parsing and its strings screened after, each only when the raw text says it could
matter, so a value that cannot be stored or emitted never reaches a service. A GET without a
query string costs two attribute reads here.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

import flask
import marshmallow as ma
from flask import Flask, request
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import UnicodeConverter

from core.errors import DomainError, InvalidInput
from core.i18n import gettext
from core.i18n import lazy_gettext as _l
from core.text import CONTROL_CHARACTER, LONE_SURROGATE, SUSPECT

# Deeper than any body the API takes (a category's fields with their options nest 5 levels), far
# below where parsing or serialising would recurse out of the stack.
MAX_JSON_DEPTH = 32
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class MalformedJSON(DomainError):
    status, code, title = 400, "malformed_json", _l("The request body is not valid JSON")


class JSONTooDeep(DomainError):
    status, code, title = 400, "json_too_deep", _l("The request body is nested too deeply")


class InvalidUnicode(DomainError):
    status, code, title = 400, "invalid_unicode", _l("The request body is not valid Unicode")


def _too_deep() -> JSONTooDeep:
    return JSONTooDeep(_l("Objects and arrays may be nested at most %(depth)s levels deep.", depth=MAX_JSON_DEPTH))


def _not_unicode() -> InvalidUnicode:
    return InvalidUnicode(_l("Send UTF-8 text; escapes of lone surrogates such as \\ud800 are not characters."))


def _control_characters() -> list[str]:
    return [gettext("Control characters are not allowed (tab and line breaks are).")]


_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING_OR_PLAIN = re.compile(r'"[^"]*"|[^\[\]{}"]+')


def _nests_deeper_than(text: str, limit: int) -> bool:
    """Whether JSON `text` nests objects and arrays deeper than `limit`, found without parsing it:
    parsing recurses once per level, as deep as the interpreter lets it (Hypothesis, for one,
    raises that limit), so the depth is known before json.loads runs. Escapes go first, so each
    string is a plain quote-to-quote run and the scan stays linear."""
    level = 0
    for char in _STRING_OR_PLAIN.sub("", _ESCAPE.sub("", text)):
        if char in "[{":
            level += 1
            if level > limit:
                return True
        elif char in "]}":
            level -= 1
    return False


def _string_errors(value: str) -> list[str] | None:
    if SUSPECT.search(value) is None:
        return None
    if LONE_SURROGATE.search(value):
        raise _not_unicode()
    return _control_characters()


def _screen(value: Any) -> Any:
    """Per-field errors of a parsed body, nested as marshmallow nests them (keys, list indexes)."""
    if isinstance(value, str):
        return _string_errors(value)
    errors: dict[Any, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found = _string_errors(key) or _screen(item)
            if found:
                errors[key] = found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _screen(item)
            if found:
                errors[index] = found
    return errors or None


class RequestJSON:
    """The JSON module of requests: `loads` parses a body and refuses what the edge refuses.

    Malformed JSON raises ValueError, as werkzeug's `get_json` expects (so `silent=True` still
    returns None for it); the refusals raise problems even when silent, since a client that sent
    a body too deep, not Unicode, or with control characters should hear so.
    """

    @staticmethod
    def loads(data: bytes | str) -> Any:
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise _not_unicode() from None
        # A body cannot nest deeper than it has brackets: most bodies skip the scan.
        if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _nests_deeper_than(text, MAX_JSON_DEPTH):
            raise _too_deep()
        value = json.loads(text)
        # Raw C0 controls never survive json.loads inside a string: a refused character needs an
        # escape, or is a raw DEL, C1 or surrogate. Most bodies skip the walk.
        if "\\" in text or SUSPECT.search(text):
            errors = _screen(value)
            if errors:
                raise InvalidInput(errors=errors if isinstance(errors, dict) else {"_body": errors})
        return value


class Request(flask.Request):
    @property
    def json_module(self) -> type[RequestJSON]:
        return RequestJSON

    @json_module.setter
    def json_module(self, _provider: Any) -> None:
        """Flask hands each request the app's JSON provider; request bodies keep the edge's loader
        (the provider still writes every response)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:
            return super().on_json_loading_failed(e)  # not a JSON content type: 415
        raise MalformedJSON(_l("The body could not be parsed as JSON.")) from None


class ArgumentsParser(FlaskParser):
    """webargs reads the body through `request.get_json()`: one parse, the edge's refusals.

    A schema given as a class is instantiated once, not on every request as webargs does (its
    fields are deep-copied each time); marshmallow schemas keep no state between loads.
    """

    def _get_schema(self, argmap, req: flask.Request) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = _SCHEMAS.get(argmap)
            if schema is None:
                schema = _SCHEMAS[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req) or not req.get_data(cache=True):
            return webargs_core.missing  # as webargs has it: an empty body is no body
        return req.get_json(force=True)


_SCHEMAS: dict[type[ma.Schema], ma.Schema] = {}


class TextConverter(UnicodeConverter):
    """`<name>` and `<string:name>` path segments: no control characters, else no route (404)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f-\x9f]", 1)


def _field_errors(values: MultiDict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value in values.items(multi=True):
        if CONTROL_CHARACTER.search(name) or CONTROL_CHARACTER.search(value):
            errors[name] = _control_characters()
    return errors


def _is_utf8_form(raw: bytes) -> bool:
    """Whether a query string or urlencoded body decodes to UTF-8 once unescaped. werkzeug would
    replace what does not (a lone surrogate's %ED%A0%80, a stray %FF) with U+FFFD and store it."""
    if raw.isascii() and b"%" not in raw:
        return True  # the common case: nothing escaped, nothing to decode
    try:
        for part in raw.split(b"&"):
            unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def refuse_control_characters() -> None:
    """Query and form values are text: 400 for bytes that are not UTF-8, 422 naming each field that
    holds a control character."""
    if request.query_string and not _is_utf8_form(request.query_string):
        raise _not_unicode()
    errors = _field_errors(request.args) if request.query_string else {}
    if request.method != "GET" and request.mimetype in FORM_TYPES:
        # cached: werkzeug parses the form from the cached body afterwards
        if request.mimetype == "application/x-www-form-urlencoded" and not _is_utf8_form(
                request.get_data(cache=True)):
            raise _not_unicode()
        errors.update(_field_errors(request.form))
    if errors:
        raise InvalidInput(errors=errors)


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: the converters apply to the rules they add."""
    app.request_class = Request
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.before_request(refuse_control_characters)
