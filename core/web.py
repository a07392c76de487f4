"""The flask-smorest Api and Blueprint (the web base) every domain's views use, with problem+json errors."""
from __future__ import annotations

import http
from datetime import UTC, datetime
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask
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


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):
        return render_http_exception(error)

    def _register_responses(self):
        # Same as flask-smorest's, but errors are documented as application/problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


class Blueprint(flask_smorest.Blueprint):
    """Adds `errors(...)` to document a view's error responses and `public` for no auth."""

    ARGUMENTS_PARSER = ArgumentsParser()

    def errors(self, *statuses: int):
        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=http.HTTPStatus(status).name)(func)
            return func

        return decorator

    def public(self, func):
        """Marks a view that needs no bearer token (documented as such)."""
        return self.doc(security=[])(func)


def init_app(app: Flask) -> Api:
    """One Api (and so one OpenAPI document) per app; app.py registers the blueprints on it."""
    app.url_map.converters["int"] = IdConverter
    app.config.setdefault("API_TITLE", "Linli")
    app.config.setdefault("API_VERSION", "1.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault(
        "OPENAPI_SWAGGER_UI_URL", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
    )
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
