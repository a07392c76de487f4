"""The OpenAPI document names the headers the API reads and sends, so generated clients can use them."""
import re

import pytest
from flask.views import MethodView

from core.idempotency import idempotent

_WRAPPED_BY_IDEMPOTENT = idempotent(lambda: None).__code__
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec(postgresql_app):
    return postgresql_app.test_client().get("/api/openapi.json").json


def _resolve(spec, obj):
    while "$ref" in obj:
        section, name = obj["$ref"].split("/")[-2:]
        obj = spec["components"][section][name]
    return obj


def _operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _header_parameters(spec, operation) -> set[str]:
    found = (_resolve(spec, p) for p in operation.get("parameters", []))
    return {p["name"] for p in found if p["in"] == "header"}


def _idempotent_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every view that @idempotent wraps, found from the views themselves."""
    found = set()
    for rule in app.url_map.iter_rules():
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        if not (isinstance(view_class, type) and issubclass(view_class, MethodView)):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in METHODS:
            view = getattr(view_class, method, None)
            if view is not None and view.__code__ is _WRAPPED_BY_IDEMPOTENT:
                found.add((path, method))
    return found


def test_every_operation_takes_accept_language_and_a_request_id(spec):
    for path, method, operation in _operations(spec):
        assert {"Accept-Language", "X-Request-ID"} <= _header_parameters(spec, operation), (method, path)


def test_idempotency_key_is_documented_exactly_where_the_decorator_reads_it(spec, postgresql_app):
    wrapped = _idempotent_operations(postgresql_app)
    assert len(wrapped) >= 30  # grep -c @idempotent: every creating operation of every domain
    documented = {(path, method) for path, method, operation in _operations(spec)
                  if "Idempotency-Key" in _header_parameters(spec, operation)}
    assert documented == wrapped


def test_idempotent_operations_document_the_replay_header_and_the_key_s_own_errors(spec, postgresql_app):
    wrapped = _idempotent_operations(postgresql_app)
    for path, method, operation in _operations(spec):
        if (path, method) not in wrapped:
            continue
        responses = operation["responses"]
        assert {"400", "409", "422"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status.startswith("2"):
                assert "Idempotent-Replayed" in response["headers"], (method, path, status)


def test_every_response_documents_its_request_id_and_errors_their_language(spec):
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            resolved = _resolve(spec, response)
            assert "X-Request-ID" in resolved["headers"], (method, path, status)
            if "$ref" in response:  # the shared problem+json responses: translated text
                assert "Content-Language" in resolved["headers"], (method, path, status)


def test_429s_document_retry_after_where_the_limits_send_it(spec):
    too_many = spec["components"]["responses"]["TOO_MANY_REQUESTS"]
    assert _resolve(spec, too_many["headers"]["Retry-After"])["schema"]["type"] == "integer"
    for path, method in (("/api/auth/token", "post"), ("/api/communities/{community_id}/service-requests", "post")):
        assert spec["paths"][path][method]["responses"]["429"] == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}
