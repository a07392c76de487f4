"""A store's return requests in the console: decided with the API's services and rights."""
from __future__ import annotations

from commerce.orders.models import ReturnRequest
from tests.commerce.factories import order_of, staff_of_store, store_serving
from tests.console.conftest import Console
from tests.factories import CommunityFactory, current_session, resident_of


def _asked(order) -> ReturnRequest:
    session = current_session()
    found = ReturnRequest(order_id=order.id, store_id=order.store_id, community_id=order.community_id,
                          user_id=order.user_id, kind="refund_only", reason="damaged", photos=[],
                          lines=[{"line_id": order.lines[0].id, "quantity": 1}], amount=order.total)
    session.add(found)
    session.commit()
    return found


def _store_with_a_return():
    community = CommunityFactory()
    store, owner = store_serving(community)
    asked = _asked(order_of(store, community, resident_of(community), status="delivered"))
    return store, owner, asked


def test_the_owner_approves_a_return_and_the_order_is_refunded(console: Console):
    store, owner, asked = _store_with_a_return()
    console.sign_in(owner)
    assert f'id="return-{asked.id}"' in console.get(f"/console/stores/{store.id}/returns").get_data(as_text=True)
    response = console.post(f"/console/stores/{store.id}/returns/{asked.id}/approve", {"restock": "true"})
    assert response.status_code == 302
    html = console.get(f"/console/stores/{store.id}/returns?status=approved").get_data(as_text=True)
    assert f'id="return-{asked.id}"' in html


def test_rejecting_without_a_reason_is_refused_next_to_the_field(console: Console):
    store, _owner, asked = _store_with_a_return()
    console.sign_in(staff_of_store(store))
    console.get(f"/console/stores/{store.id}/returns")
    response = console.post(f"/console/stores/{store.id}/returns/{asked.id}/reject", {"reason": ""})
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    response = console.post(f"/console/stores/{store.id}/returns/{asked.id}/reject", {"reason": "已超过七天"})
    assert response.status_code == 302


def test_another_stores_owner_never_sees_its_returns(console: Console):
    store, _owner, asked = _store_with_a_return()
    _other_store, other_owner = store_serving(CommunityFactory())
    console.sign_in(other_owner)
    assert console.get(f"/console/stores/{store.id}/returns").status_code in (403, 404)
    console.get("/console/home")
    assert console.post(f"/console/stores/{store.id}/returns/{asked.id}/approve").status_code in (403, 404)
