"""Schemathesis over the whole OpenAPI document: no server errors, responses match the schemas."""
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


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi_document(case, auth_headers):
    case.call_and_validate(
        headers=auth_headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )


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
