"""The DomainError hierarchy and its rendering as application/problem+json (RFC 9457)."""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from core.i18n import field_messages
from core.i18n import lazy_gettext as _l

PROBLEM_CONTENT_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


class DomainError(Exception):
    """Raised by services; `code` is stable for machines, `title`/`detail` are translated."""

    status: int = 400
    code: str = "bad_request"
    title: Any = _l("Bad request")

    def __init__(
        self,
        detail: Any = None,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(str(detail) if detail is not None else self.code)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class InvalidInput(DomainError):
    status, code, title = 422, "validation_failed", _l("The request has invalid fields")


class Unauthenticated(DomainError):
    status, code, title = 401, "unauthenticated", _l("Authentication is required")


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", _l("You are not allowed to do this")


class NotFound(DomainError):
    status, code, title = 404, "not_found", _l("Not found")


class Conflict(DomainError):
    status, code, title = 409, "conflict", _l("The request conflicts with the current state")


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", _l("Too many requests")


# Titles for HTTP errors raised by Flask/werkzeug/webargs rather than by our services.
_HTTP_PROBLEMS: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _l("Bad request")),
    401: ("unauthenticated", _l("Authentication is required")),
    403: ("forbidden", _l("You are not allowed to do this")),
    404: ("not_found", _l("Not found")),
    405: ("method_not_allowed", _l("Method not allowed")),
    406: ("not_acceptable", _l("Not acceptable")),
    409: ("conflict", _l("The request conflicts with the current state")),
    412: ("precondition_failed", _l("Precondition failed")),
    413: ("payload_too_large", _l("The request body is too large")),
    415: ("unsupported_media_type", _l("Unsupported media type")),
    422: ("validation_failed", _l("The request has invalid fields")),
    429: ("rate_limited", _l("Too many requests")),
    500: ("internal_error", _l("Internal server error")),
    503: ("unavailable", _l("Service unavailable")),
}


def problem_response(
    status: int,
    code: str,
    title: Any,
    detail: Any = None,
    *,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:linli:problem:{code}",
        "title": str(title),
        "status": status,
        "code": code,
        "instance": request.path,
    }
    if detail is not None:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_domain_error(error: DomainError) -> Response:
    return problem_response(
        error.status, error.code, error.title, error.detail,
        errors=error.errors, headers=error.headers, extra=error.extra,
    )


def render_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code, title = _HTTP_PROBLEMS.get(status, ("http_error", HTTPStatus(status).phrase))
    data = getattr(error, "data", None) or {}
    errors = None
    detail = None
    messages = data.get("messages")
    if messages:
        # webargs: {"json": {"field": ["msg"]}}; flatten the location away when there is one.
        errors = field_messages(_flatten_locations(messages))
    elif data.get("message"):
        detail = data["message"]
    headers = dict(data.get("headers") or {})
    if status == 405:
        headers.setdefault("Allow", ", ".join(getattr(error, "valid_methods", None) or []))
        if not headers["Allow"]:
            headers.pop("Allow")
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            headers.setdefault(name, value)
    return problem_response(status, code, title, detail, errors=errors, headers=headers)


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    if len(messages) == 1:
        only = next(iter(messages.values()))
        if isinstance(only, dict):
            return only
        return {"_body": only}
    return messages


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, render_domain_error)
    app.register_error_handler(HTTPException, render_http_exception)

    @app.errorhandler(IntegrityError)
    def _integrity(error: IntegrityError) -> Response:
        # A last-resort net: services check their invariants, the database enforces them.
        log.warning("integrity error reached the view layer: %s", error.orig)
        return problem_response(409, "conflict", _HTTP_PROBLEMS[409][1])

    @app.errorhandler(DataError)
    def _data_error(error: DataError) -> Response:
        # A value the schema let through but the column cannot hold: the schema needs a bound.
        log.warning("data error reached the view layer: %s", error.orig)
        return problem_response(422, "validation_failed", _HTTP_PROBLEMS[422][1])

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return render_http_exception(error)
        log.exception("unhandled error")
        return problem_response(500, "internal_error", _HTTP_PROBLEMS[500][1])
