"""Schemathesis over the whole OpenAPI document: no server errors, responses match the schemas.

Besides what Schemathesis generates, each operation's first cases are also sent once with each
class of hostile string (NUL, C0 and C1 controls, lone surrogates, JSON nested 5,000 deep) in each
place it can reach: the body, the query, the path and the headers the app reads. None may be a 5xx.
"""
import json
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import bearer
from tests.factories import BuildingFactory, CommunityFactory, ResidencyFactory, UnitFactory, UserFactory, staff_of


@pytest.fixture
def community(connection):
    # Ids that exist, so that generated requests reach past 404 into the use cases.
    community = CommunityFactory(id=1)
    unit = UnitFactory(id=1, building=BuildingFactory(id=1, community=community))
    ResidencyFactory(id=1, unit=unit, status="pending")
    return community


@pytest.fixture
def api_schema(app, community):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture
def auth_headers(community):
    return bearer(staff_of(community).id)


HOSTILE_TEXT = {
    "NUL": "a\x00b",
    "C0": "a\x1b[2Jb\x08\x0b",
    "C1": "a\x85b\x9f",
    "lone surrogate": "a\ud800b\udfff",  # a URL or a header cannot carry one; a JSON escape can
}
URL_TEXT = [name for name in HOSTILE_TEXT if name != "lone surrogate"]
# Deeper than Hypothesis lets Python recurse (it raises the limit by 2,000 frames for each test).
DEEP_JSON = b"[" * 5000 + b"]" * 5000
READ_HEADERS = ("Idempotency-Key", "Accept-Language", "X-Request-ID")


def _with_text(value, text):
    """`value` with every string in it replaced by `text` (other fields kept, so the schema may
    let it through to the use case)."""
    if isinstance(value, dict):
        return {k: _with_text(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_text(v, text) for v in value]
    return text if isinstance(value, str) else value


def hostile_variants(operation) -> list[tuple[str, str]]:
    """(place, class) pairs that reach this operation."""
    variants = [("headers", name) for name in URL_TEXT] + [("query", name) for name in URL_TEXT]
    if operation.path_parameters:
        variants += [("path", name) for name in URL_TEXT]
    if operation.body:
        variants += [("body", name) for name in HOSTILE_TEXT] + [("body", "deep")]
    return variants


def send_hostile(case, place: str, name: str, auth_headers):
    """One hostile variant of `case`, its ids pointing at the fixture's rows so it reaches the use case."""
    variant = case.derive(keep_auth=True)
    variant.path_parameters = {k: 1 if isinstance(v, int) else v for k, v in case.path_parameters.items()}
    headers, extra = dict(auth_headers), {}
    if place == "headers":
        headers.update({header: HOSTILE_TEXT[name] for header in READ_HEADERS})
    elif place == "query":
        variant.query = {**{k: HOSTILE_TEXT[name] for k in case.query or {}}, "q": HOSTILE_TEXT[name]}
    elif place == "path":
        variant.path_parameters = {k: quote(f"1{HOSTILE_TEXT[name]}") for k in case.path_parameters}
    elif name == "deep":
        extra["data"] = DEEP_JSON
    else:  # json.dumps escapes a lone surrogate as "\ud800", as a client's JSON library would
        extra["data"] = json.dumps(_with_text(case.body, HOSTILE_TEXT[name])).encode()
    if "data" in extra:
        headers["Content-Type"] = "application/json"
    response = variant.call(headers=headers, **extra)
    variant.validate_response(response, checks=[not_a_server_error])
    return response


def _is_the_operations_own(case) -> bool:
    """A positive case with the operation's method (the coverage phase also tries other methods)."""
    positive = case.meta is None or case.meta.generation.mode.is_positive
    return positive and case.method.upper() == case.operation.method.upper()


@pytest.fixture
def hostile_sent(api_schema):
    """The hostile variants sent per operation; afterwards, that every operation got all of its own."""
    sent: dict[str, list] = {}
    yield sent
    missing = [result.ok().label for result in api_schema.get_all_operations()
               if len(sent.get(result.ok().label, [])) != len(hostile_variants(result.ok()))]
    assert not missing, f"operations that were not sent every hostile string: {missing}"


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi_document(case, auth_headers, hostile_sent):
    case.call_and_validate(
        headers=auth_headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )
    if case.operation.label not in hostile_sent and _is_the_operations_own(case):
        hostile_sent[case.operation.label] = [
            send_hostile(case, place, name, auth_headers).status_code
            for place, name in hostile_variants(case.operation)
        ]


def test_anonymous_calls_conform_too(app, connection):
    user = UserFactory()
    assert user.id
    spec = app.test_client().get("/api/openapi.json").json
    for path, operations in spec["paths"].items():
        for method in operations:
            if method == "parameters":
                continue
            url = path.replace("{community_id}", "1").replace("{building_id}", "1").replace(
                "{residency_id}", "1").replace("{staff_id}", "1")
            response = app.test_client().open(url, method=method.upper(), json={})
            assert response.status_code < 500, (method, path)
            assert response.content_type in ("application/json", "application/problem+json")
