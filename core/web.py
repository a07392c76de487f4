"""The flask-smorest Api and Blueprint (the web base) every domain's views use, with problem+json errors."""
from __future__ import annotations

import http
import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, Response, abort, send_file
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from core.edge import ArgumentsParser
from core.errors import PROBLEM_CONTENT_TYPE, render_http_exception

MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` path values are database ids: 1 to the bigint maximum, else no route (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def Id(**kwargs) -> ma.fields.Integer:
    """An id in a request body: a whole number within the database's range."""
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def Moment(**kwargs) -> ma.fields.AwareDateTime:
    """A point in time in a request body: with its offset, within years the service reasons about
    (extreme years would overflow when shifted between time zones)."""
    return ma.fields.AwareDateTime(
        validate=ma.validate.Range(min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 1, 1, tzinfo=UTC)),
        **kwargs,
    )


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, with Linli's stable `code` and per-field `errors`."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.Dict()

    class Meta:
        unknown = ma.INCLUDE


# The headers the API reads and sends, as OpenAPI components, so generated clients can send and
# read them. Every operation reads Accept-Language and X-Request-ID; Idempotency-Key only those
# wrapped by core.idempotency's @idempotent (it marks them "idempotent" in their _apidoc).
HEADER_PARAMETERS: dict[str, dict[str, Any]] = {
    "ACCEPT_LANGUAGE": {
        "name": "Accept-Language",
        "description": "The language of problem titles and messages: `zh` (Simplified Chinese, the default) "
                       "or `en`. A response whose text was translated says which in `Content-Language`.",
        "schema": {"type": "string", "example": "zh"},
    },
    "X_REQUEST_ID": {
        "name": "X-Request-ID",
        "description": "Your id for this request, echoed in the response and written to the logs; "
                       "one is generated when it is absent or not of this form.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
    },
    "IDEMPOTENCY_KEY": {
        "name": "Idempotency-Key",
        "description": "Makes retrying safe: a retry with the same key and body gets the first response "
                       "again (`Idempotent-Replayed: true`) instead of doing the work twice; the same key "
                       "with another body is 422, and a retry while the first still runs is 409. Keys are "
                       "per user, 1 to 255 printable characters (a UUID is fine), kept for 24 hours.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    },
}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X_REQUEST_ID": {"description": "The request's id: the one sent, or one generated.",
                     "schema": {"type": "string"}},
    "CONTENT_LANGUAGE": {"description": "The language of the response's text (it varies with Accept-Language).",
                         "schema": {"type": "string", "enum": ["zh-Hans", "en"]}},
    "RETRY_AFTER": {"description": "Seconds until a retry can succeed, where waiting helps (a limit per time).",
                    "schema": {"type": "integer", "minimum": 1}},
    "IDEMPOTENT_REPLAYED": {"description": "`true`: the stored response of an earlier request with this "
                                           "Idempotency-Key, not a second execution.",
                            "schema": {"type": "string", "enum": ["true"]}},
}
# What @idempotent itself may answer, documented on each operation it wraps.
_IDEMPOTENCY_ERRORS = (400, 409, 422)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):
        return render_http_exception(error)

    def _register_responses(self):
        # Same as flask-smorest's, but errors are documented as application/problem+json, with the
        # headers every error carries (their text is translated), and Retry-After on 429.
        for name, parameter in HEADER_PARAMETERS.items():
            self.spec.components.parameter(name, "header", parameter)
        for name, header in RESPONSE_HEADERS.items():
            self.spec.components.header(name, header)
        error_headers = {"X-Request-ID": "X_REQUEST_ID", "Content-Language": "CONTENT_LANGUAGE"}
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase, "headers": dict(error_headers)}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            if status == http.HTTPStatus.TOO_MANY_REQUESTS:
                response["headers"]["Retry-After"] = "RETRY_AFTER"
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA,
                    "headers": dict(error_headers)}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


class Blueprint(flask_smorest.Blueprint):
    """Adds `errors(...)` to document a view's error responses and `public` for no auth, and
    documents the headers each operation reads and sends."""

    ARGUMENTS_PARSER = ArgumentsParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_header_doc)

    def errors(self, *statuses: int):
        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=http.HTTPStatus(status).name)(func)
            return func

        return decorator

    def public(self, func):
        """Marks a view that needs no bearer token (documented as such)."""
        return self.doc(security=[])(func)

    @staticmethod
    def _prepare_header_doc(doc: dict[str, Any], doc_info: dict[str, Any], **_kwargs) -> dict[str, Any]:
        # Runs after flask-smorest's own callbacks: responses are in place, by status code.
        # Strings are component names (apispec turns them into $refs).
        idempotent = doc_info.get("idempotent", False)
        ours = ["ACCEPT_LANGUAGE", "X_REQUEST_ID", *(["IDEMPOTENCY_KEY"] if idempotent else [])]
        # A view's own @blp.doc(parameters=...) replaces the list (flask-smorest merges lists so): add to it.
        manual = doc_info.get("manual_doc", {})
        (manual if "parameters" in manual else doc).setdefault("parameters", []).extend(ours)
        responses = doc.setdefault("responses", {})
        # A view's own @blp.doc(responses=...) may stand in for one of them ("200" for 200): both get headers.
        for status, response in [*responses.items(), *manual.get("responses", {}).items()]:
            if isinstance(response, dict):  # the operation's own (errors are shared components)
                headers = response.setdefault("headers", {})
                headers["X-Request-ID"] = "X_REQUEST_ID"
                if idempotent and str(status).startswith("2"):
                    headers["Idempotent-Replayed"] = "IDEMPOTENT_REPLAYED"
        if idempotent:
            for status in _IDEMPOTENCY_ERRORS:
                if status not in responses and str(status) not in responses:
                    responses[status] = http.HTTPStatus(status).name
        return doc


# Swagger UI's files, as the pinned flask-swagger-ui wheel ships them: byte for byte those of the
# swagger-ui-dist npm package of the same version. Only what /api/docs's page loads is served.
SWAGGER_UI_FILES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
}
_YEAR = 365 * 24 * 3600


def swagger_ui_dist() -> tuple[Path, str]:
    """The folder of Swagger UI's files and their version ("5.34.0"), found without importing Flask code."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("flask-swagger-ui (Swagger UI's files for /api/docs) is not installed")
    dist = Path(spec.origin).parent / "dist"
    return dist, (dist / "VERSION").read_text().strip().removeprefix("v")


def _serve_swagger_ui(app: Flask) -> str:
    """Serves Swagger UI's files under /api/docs/swagger-ui/<version>/, from the app itself: the docs
    work offline and where a CDN is slow or blocked. The version is in the path, so browsers may
    keep each file for a year."""
    dist, version = swagger_ui_dist()

    def swagger_ui_file(version_in_path: str, name: str):
        if version_in_path != version or name not in SWAGGER_UI_FILES:
            abort(404)
        response = send_file(dist / name, mimetype=SWAGGER_UI_FILES[name], max_age=_YEAR, conditional=True)
        response.cache_control.immutable = True
        return response

    app.add_url_rule("/api/docs/swagger-ui/<version_in_path>/<name>", "swagger_ui_file", swagger_ui_file)
    return f"/api/docs/swagger-ui/{version}/"


# What a person who opens the service's address in a browser finds: where the docs are.
HOME_PAGE = """<!doctype html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Linli 邻里 API</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.6}</style>
</head>
<body>
<h1>Linli 邻里</h1>
<p>智慧社区接口, 服务居民、商家、骑手和物业。<br>
The smart-community API for residents, merchants, couriers and managers.</p>
<ul>
<li><a href="/api/docs">接口文档 Interactive API docs</a> (Swagger UI)</li>
<li><a href="/api/openapi.json">OpenAPI 文档 OpenAPI document</a> (/api/openapi.json)</li>
<li><a href="/healthz">/healthz</a>: 存活 alive</li>
<li><a href="/readyz">/readyz</a>: 数据库和 Redis 可用 database and Redis reachable</li>
</ul>
</body>
</html>
"""


def home() -> Response:
    """/: a small page linking the docs, instead of a 404 to whoever opens the address."""
    return Response(HOME_PAGE, mimetype="text/html")


def init_app(app: Flask) -> Api:
    """One Api (and so one OpenAPI document) per app; app.py registers the blueprints on it."""
    app.url_map.converters["int"] = IdConverter
    app.add_url_rule("/", "home", home)
    app.config.setdefault("API_TITLE", "Linli")
    app.config.setdefault("API_VERSION", "1.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", _serve_swagger_ui(app))
    # No "validator" badge: it would send the document's address to validator.swagger.io.
    app.config.setdefault("OPENAPI_SWAGGER_UI_CONFIG", {"validatorUrl": None})
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Linli (邻里): the smart-community API for residents, merchants, couriers "
                    "and community managers. Errors are application/problem+json with a stable "
                    "`code`. Get a token at POST /api/auth/token, then Authorize with it."
                )
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
    )
    return Api(app)
