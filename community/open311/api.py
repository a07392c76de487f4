"""Open311 GeoReport v2 endpoints (a plain Flask blueprint: JSON and XML, the spec's own errors).

Clients append `.json` or `.xml` (no suffix means XML, the spec's required format), pass
`jurisdiction_id` (the community's slug) in the query or the form, and POST form-encoded or
multipart bodies. Answers are 200 with the spec's bare lists, as old clients expect.
"""
from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from community.open311 import queries, schemas, service
from community.open311.errors import ResourceNotFound
from core.db import db
from core.errors import DomainError
from core.i18n import lazy_gettext as _l
from core.text import xml_text
from core.timeutil import to_local

log = logging.getLogger(__name__)
blp = Blueprint("open311", __name__, url_prefix="/open311/v2")

CHANGESET = "2026-11-25T00:00:00Z"
_FORMAT = "<any(json, xml):fmt>"
_CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _route(rule: str, name: str | None = None, **options: Any):
    """`rule.json`, `rule.xml`, and the bare `rule` (XML), each rule under its own endpoint: werkzeug
    redirects a URL to an earlier rule of the same endpoint that "provides its defaults"."""

    def decorator(view):
        endpoint = name or view.__name__
        blp.add_url_rule(f"{rule}.{_FORMAT}", endpoint=endpoint, view_func=view, **options)
        blp.add_url_rule(rule, endpoint=f"{endpoint}_bare", view_func=view, defaults={"fmt": "xml"}, **options)
        return view

    return decorator


def _params() -> MultiDict:
    """Query and form values together; a JSON object body is read too, for lenient clients."""
    params = MultiDict(request.args)
    params.update(request.form)
    if request.method == "POST" and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            params.update({k: str(v) for k, v in body.items() if isinstance(v, str | int | float)})
    return params


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            sub = ET.SubElement(element, name)
            if isinstance(child, list):
                for item in child:
                    _fill(ET.SubElement(sub, schemas.ITEM_ELEMENTS[name]), item)
            else:
                _fill(sub, child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        # Text stored before the edge refused control characters must not break the document.
        element.text = xml_text(str(value))


def _render(data: Any, fmt: str, root: str, item: str | None = None, status: int = 200) -> Response:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    else:
        element = ET.Element(root)
        if item is None:
            _fill(element, data)
        else:
            for entry in data:
                _fill(ET.SubElement(element, item), entry)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    return Response(body.encode(), status=status, content_type=_CONTENT_TYPES[fmt])


def _error_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in _CONTENT_TYPES:
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


def _errors(status: int, descriptions: list[str]) -> Response:
    entries = [{"code": status, "description": d} for d in descriptions]
    return _render(entries, _error_format(), "errors", "error", status=status)


def _flatten(errors: dict[str, Any], prefix: str = "") -> list[str]:
    lines = []
    for name, value in errors.items():
        label = f"attribute[{name}]" if prefix == "answers" else name
        if isinstance(value, dict):
            lines.extend(_flatten(value, name))
        else:
            lines.append(f"{label}: {'; '.join(str(v) for v in value)}")
    return lines


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    # The spec: 404 for what does not exist, 403 for the api_key, 400 for anything else (429 kept).
    status = error.status if error.status in (400, 403, 404, 429) else 400
    descriptions = _flatten(error.errors) if error.errors else []
    response = _errors(status, descriptions or [str(error.detail or error.title)])
    response.headers.update(error.headers)  # Retry-After on a 429
    return response


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _errors(error.code or 400, [error.description or error.name])


@blp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("open311 request failed")
    return _errors(500, [str(_l("Internal server error"))])


@blp.before_app_request
def _tolerate_doubled_slashes() -> None:
    """Clients that join a base URL ending in '/' with '/services.json' (GeoReporter, python open311)
    send '//'. werkzeug answers that with a 308, which old HTTP clients do not follow on a POST,
    so route the merged path directly."""
    if isinstance(request.routing_exception, RequestRedirect) and request.path.startswith("/open311/"):
        adapter = current_app.url_map.bind_to_environ(request.environ)
        path = "/" + "/".join(p for p in request.path.split("/") if p)
        rule, args = adapter.match(path, method=request.method, return_rule=True)
        request.url_rule, request.view_args, request.routing_exception = rule, args, None


@_route("/discovery")
def discovery(fmt: str) -> Response:
    url = request.host_url.rstrip("/") + blp.url_prefix
    return _render(schemas.discovery(url, CHANGESET), fmt, "discovery")


@_route("/services")
def services(fmt: str) -> Response:
    community = service.jurisdiction(db.session, _params())
    listed = [schemas.service(c) for c in db.session.scalars(queries.services(community.id))]
    return _render(listed, fmt, "services", "service")


@_route("/services/<code>")
@_route("/service/<code>", name="service_definition_singular")  # python open311 1.1 asks for this path
def service_definition(code: str, fmt: str) -> Response:
    community = service.jurisdiction(db.session, _params())
    return _render(schemas.service_definition(service.category(db.session, community, code)), fmt,
                   "service_definition")


@_route("/requests", methods=["GET", "POST"])
def service_requests(fmt: str) -> Response:
    params = _params()
    community = service.jurisdiction(db.session, params)
    if request.method == "POST":
        filed = service.post_request(db.session, community, params)
        notice = _l("We will respond by %(time)s.",
                    time=to_local(filed.first_response_due_at, community.timezone).strftime("%Y-%m-%d %H:%M"))
        answer = [{"service_request_id": filed.id, "service_notice": str(notice), "account_id": None}]
        return _render(answer, fmt, "service_requests", "request")
    found = service.list_requests(db.session, community, params)
    return _render([schemas.service_request(r, community) for r in found], fmt, "service_requests", "request")


@_route("/requests/<request_id>")
def service_request(request_id: str, fmt: str) -> Response:
    community = service.jurisdiction(db.session, _params())
    found = service.get_request(db.session, community, request_id)
    return _render([schemas.service_request(found, community)], fmt, "service_requests", "request")


@_route("/tokens/<token>")
def token(token: str, fmt: str) -> Response:
    community = service.jurisdiction(db.session, _params())
    return _render([service.resolve_token(db.session, community, token)], fmt, "service_requests", "request")


@blp.route("/<path:anything>", methods=["GET", "POST"])
def unknown(anything: str) -> Response:
    raise ResourceNotFound()
