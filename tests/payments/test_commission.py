"""Commission rates per community and store category, set by the platform."""
import pytest

from payments import commission
from tests.conftest import bearer
from tests.factories import CommunityFactory, UserFactory, resident_of
from tests.payments.conftest import start

URL = "/api/payments/commission-rates"


@pytest.fixture
def admin(connection):
    return UserFactory(platform_role="admin")


def _set(client, admin, **body):
    response = client.put(URL, json=body, headers=bearer(admin.id))
    assert response.status_code == 200, response.json
    return response.json


def test_without_rates_the_configured_default_applies(session, connection):
    community = CommunityFactory()
    assert commission.commission_for(session, community_id=community.id, store_category="fruit", amount=10_000) == (
        500, 100
    )


def test_the_most_specific_rate_wins(client, session, admin):
    here, elsewhere = CommunityFactory(), CommunityFactory()
    _set(client, admin, platform_rate_bps=800, community_rate_bps=0)  # the default row
    _set(client, admin, store_category="fruit", platform_rate_bps=300, community_rate_bps=50)
    _set(client, admin, community_id=here.id, platform_rate_bps=400, community_rate_bps=200)
    _set(client, admin, community_id=here.id, store_category="fruit", platform_rate_bps=250, community_rate_bps=150)

    def shares(community, category):
        return commission.commission_for(session, community_id=community.id, store_category=category, amount=10_000)

    assert shares(here, "fruit") == (250, 150)
    assert shares(here, "bakery") == (400, 200)
    assert shares(elsewhere, "fruit") == (300, 50)
    assert shares(elsewhere, "bakery") == (800, 0)
    assert shares(elsewhere, None) == (800, 0)


def test_setting_a_rate_again_updates_it_and_shares_round_down(client, session, admin):
    community = CommunityFactory()
    _set(client, admin, community_id=community.id, platform_rate_bps=333, community_rate_bps=111)
    rate = _set(client, admin, community_id=community.id, platform_rate_bps=999, community_rate_bps=1)
    listed = client.get(URL, query_string={"community_id": community.id}, headers=bearer(admin.id)).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == rate["id"]
    assert commission.commission_for(session, community_id=community.id, store_category="x", amount=199) == (19, 0)


def test_a_started_payment_keeps_the_rates_it_started_with(client, session, admin):
    community = CommunityFactory()
    payment = start(session, resident_of(community), community, store_category="fruit")
    _set(client, admin, community_id=community.id, platform_rate_bps=0, community_rate_bps=0)
    assert (payment.platform_rate_bps, payment.community_rate_bps) == (500, 100)


@pytest.mark.parametrize(
    "body",
    [
        {"platform_rate_bps": 9_000, "community_rate_bps": 1_001},
        {"platform_rate_bps": -1, "community_rate_bps": 0},
        {"platform_rate_bps": 10_001, "community_rate_bps": 0},
        {"platform_rate_bps": "5", "community_rate_bps": 0},
        {"platform_rate_bps": 1.5, "community_rate_bps": 0},
        {"community_rate_bps": 0},
        {"platform_rate_bps": 1, "community_rate_bps": 0, "store_category": "Fruit & Veg"},
        {"platform_rate_bps": 1, "community_rate_bps": 0, "store_category": "x" * 41},
        {"platform_rate_bps": 1, "community_rate_bps": 0, "community_id": 0},
        {"platform_rate_bps": 1, "community_rate_bps": 0, "community_id": 2**63},
    ],
)
def test_bad_rates_are_refused_with_422(client, admin, body):
    response = client.put(URL, json=body, headers=bearer(admin.id))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"


def test_a_rate_for_a_community_that_does_not_exist_is_404(client, admin):
    response = client.put(URL, json={"community_id": 999_999, "platform_rate_bps": 1, "community_rate_bps": 1},
                          headers=bearer(admin.id))
    assert response.status_code == 404
