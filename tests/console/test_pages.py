"""The console's pages over the services: each user's rights as the API has them, problems shown
on the page (a 422 next to its field), and no other tenant's or store's data."""
from __future__ import annotations

import re

from tests.commerce.factories import order_of, staff_of_store, store_serving
from tests.community.requests.factories import CategoryFactory, ServiceRequestFactory
from tests.console.conftest import Console
from tests.factories import CommunityFactory, ResidencyFactory, UnitFactory, UserFactory, resident_of, staff_of


def _request_in(community, description="楼道灯不亮"):
    return ServiceRequestFactory(category=CategoryFactory(community=community), requester=resident_of(community),
                                 description=description)


def _field_error_after(html: str, name: str) -> bool:
    """A field-error message follows the field named `name` (before the next field)."""
    return re.search(rf'name="{name}"(?:(?!name=").)*class="field-error"', html, re.S) is not None


def test_a_manager_sees_the_queue_of_their_community_coloured_by_sla(console: Console):
    community = CommunityFactory()
    request = _request_in(community)
    console.sign_in(staff_of(community))
    html = console.get(f"/console/communities/{community.id}/requests?status=new").get_data(as_text=True)
    assert f"#{request.id}" in html and "clock-on_track" in html


def test_a_manager_never_sees_another_communitys_requests(console: Console):
    mine, theirs = CommunityFactory(), CommunityFactory()
    secret = _request_in(theirs, description="别人的秘密工单")
    console.sign_in(staff_of(mine))
    for path in (f"/console/communities/{theirs.id}/requests",
                 f"/console/communities/{theirs.id}/requests/{secret.id}",
                 f"/console/communities/{mine.id}/requests/{secret.id}"):
        response = console.get(path)
        assert response.status_code in (403, 404), path
        assert "别人的秘密工单" not in response.get_data(as_text=True)


def test_holding_without_a_reason_is_refused_next_to_the_reason_field(console: Console):
    community = CommunityFactory()
    request = _request_in(community)
    console.sign_in(staff_of(community))
    path = f"/console/communities/{community.id}/requests/{request.id}"
    console.get(path)
    assert console.post(f"{path}/transition", {"action": "start"}).status_code == 302
    console.get(path)
    response = console.post(f"{path}/transition", {"action": "hold", "reason": ""})
    assert response.status_code == 422
    assert _field_error_after(response.get_data(as_text=True), "reason")


def test_a_manager_approves_a_residency_claim(console: Console):
    community = CommunityFactory()
    claim = ResidencyFactory(unit=UnitFactory(building__community=community), status="pending")
    console.sign_in(staff_of(community))
    console.get(f"/console/communities/{community.id}/residencies")
    response = console.post(f"/console/communities/{community.id}/residencies/{claim.id}/approve")
    assert response.status_code == 302
    html = console.get(f"/console/communities/{community.id}/residencies?status=approved").get_data(as_text=True)
    assert f'id="residency-{claim.id}"' in html


def test_a_resident_cannot_decide_claims(console: Console):
    community = CommunityFactory()
    claim = ResidencyFactory(unit=UnitFactory(building__community=community), status="pending")
    console.sign_in(resident_of(community))
    console.get(f"/console/communities/{community.id}/residencies")
    response = console.post(f"/console/communities/{community.id}/residencies/{claim.id}/approve")
    assert response.status_code in (403, 404)


def test_a_merchant_never_sees_another_stores_orders(console: Console):
    community = CommunityFactory()
    mine, owner = store_serving(community)
    theirs, _other = store_serving(community)
    order = order_of(theirs, community, resident_of(community))
    console.sign_in(owner)
    for path in (f"/console/stores/{theirs.id}/orders", f"/console/stores/{theirs.id}/orders/{order.id}",
                 f"/console/stores/{mine.id}/orders/{order.id}", f"/console/stores/{theirs.id}/statement"):
        response = console.get(path)
        assert response.status_code in (403, 404), path
        assert f"#{order.id}" not in response.get_data(as_text=True) or path.endswith("/statement")


def test_a_merchant_moves_an_order_along_the_board(console: Console):
    community = CommunityFactory()
    store, owner = store_serving(community)
    order = order_of(store, community, resident_of(community))
    console.sign_in(owner)
    assert f'id="order-{order.id}"' in console.get(f"/console/stores/{store.id}/orders").get_data(as_text=True)
    response = console.post(f"/console/stores/{store.id}/orders/{order.id}/advance",
                            {"to_status": "accepted", "back": "board"})
    assert response.status_code == 302 and "status=accepted" in response.headers["Location"]
    html = console.get(f"/console/stores/{store.id}/orders?status=accepted").get_data(as_text=True)
    assert f'id="order-{order.id}"' in html


def test_store_staff_cannot_refund_as_the_api_refuses_them(console: Console):
    community = CommunityFactory()
    store, _owner = store_serving(community)
    order = order_of(store, community, resident_of(community))
    console.sign_in(staff_of_store(store))
    console.get(f"/console/stores/{store.id}/orders/{order.id}")
    response = console.post(f"/console/stores/{store.id}/orders/{order.id}/refunds",
                            {"amount": "1", "reason": "试试"})
    assert response.status_code == 403
    assert 'class="problem"' in response.get_data(as_text=True)


def test_a_refund_amount_that_is_not_money_is_refused_next_to_the_field(console: Console):
    community = CommunityFactory()
    store, owner = store_serving(community)
    order = order_of(store, community, resident_of(community))
    console.sign_in(owner)
    console.get(f"/console/stores/{store.id}/orders/{order.id}")
    response = console.post(f"/console/stores/{store.id}/orders/{order.id}/refunds",
                            {"amount": "1.234", "reason": "坏了"})
    assert response.status_code == 422
    assert _field_error_after(response.get_data(as_text=True), "amount")


def test_the_statement_downloads_as_csv(console: Console):
    community = CommunityFactory()
    store, owner = store_serving(community)
    console.sign_in(owner)
    response = console.get(f"/console/stores/{store.id}/statement.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "opening_balance" in response.get_data(as_text=True)


def test_an_admin_sets_a_commission_rate_and_too_much_is_refused_next_to_the_field(console: Console):
    console.sign_in(UserFactory(platform_role="admin"))
    console.get("/console/platform/commission")
    response = console.post("/console/platform/commission",
                            {"store_category": "*", "platform_rate_bps": "9000", "community_rate_bps": "2000"})
    assert response.status_code == 422
    assert _field_error_after(response.get_data(as_text=True), "community_rate_bps")
    console.get("/console/platform/commission")
    response = console.post("/console/platform/commission",
                            {"store_category": "*", "platform_rate_bps": "450", "community_rate_bps": "150"})
    assert response.status_code == 302
    assert ">450<" in console.get("/console/platform/commission").get_data(as_text=True)


def test_only_platform_admins_see_commission_rates(console: Console):
    console.sign_in(staff_of(CommunityFactory()))
    assert console.get("/console/platform/commission").status_code == 403
