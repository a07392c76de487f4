"""Schemathesis over the booking endpoints with an amenity, booking, closure and block at id 1,
called by someone who is both a resident and the manager: generated requests reach the use cases."""
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from community.bookings.models import Block, Closure
from core.models import utcnow
from tests.community.bookings.factories import AmenityFactory, BookingFactory, slot
from tests.conftest import bearer
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    ResidencyFactory,
    StaffFactory,
    UnitFactory,
    current_session,
)


@pytest.fixture
def caller(connection):
    community = CommunityFactory(id=1)
    residency = ResidencyFactory(id=1, unit=UnitFactory(id=1, building=BuildingFactory(id=1, community=community)))
    StaffFactory(community=community, user=residency.user)
    amenity = AmenityFactory(id=1, community=community)
    BookingFactory(id=1, amenity=amenity, user=residency.user, unit=residency.unit, starts_at=slot(2, 9))
    session = current_session()
    session.add(Closure(id=1, community_id=1, amenity_id=1, starts_at=slot(3, 9), ends_at=slot(3, 12), reason="x"))
    session.add(Block(id=1, community_id=1, amenity_id=1, unit_id=1, starts_at=utcnow(),
                      ends_at=utcnow() + timedelta(days=1), no_shows=3))
    session.commit()
    return residency.user


@pytest.fixture
def api_schema(app, caller):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex="/amenities|/bookings")


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_booking_endpoints_conform_to_the_openapi_document(case, caller):
    case.call_and_validate(
        headers=bearer(caller.id),
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )
