"""Store applications in the console: a community's managers decide with commerce's services."""
from __future__ import annotations

from tests.commerce.factories import StoreCommunityFactory, StoreFactory
from tests.console.conftest import Console
from tests.factories import CommunityFactory, resident_of, staff_of


def _applied(community):
    return StoreCommunityFactory(store=StoreFactory(), community_id=community.id, status="pending",
                                 message="我们想为本小区送菜")


def test_a_manager_approves_then_suspends_a_store_with_a_reason(console: Console):
    community = CommunityFactory()
    applied = _applied(community)
    console.sign_in(staff_of(community))
    base = f"/console/communities/{community.id}/store-applications"
    assert f'id="application-{applied.id}"' in console.get(base).get_data(as_text=True)
    assert console.post(f"{base}/{applied.id}/approve").status_code == 302
    console.get(f"{base}?status=approved")
    response = console.post(f"{base}/{applied.id}/suspend", {"reason": ""})
    assert response.status_code == 422 and 'class="field-error"' in response.get_data(as_text=True)
    assert console.post(f"{base}/{applied.id}/suspend", {"reason": "食品安全投诉"}).status_code == 302
    assert f'id="application-{applied.id}"' in console.get(f"{base}?status=suspended").get_data(as_text=True)


def test_residents_and_other_communities_cannot_decide(console: Console):
    community, other = CommunityFactory(), CommunityFactory()
    applied = _applied(community)
    console.sign_in(resident_of(community))
    assert console.get(f"/console/communities/{community.id}/store-applications").status_code == 403
    console.client.delete_cookie("linli_console", path="/console")
    console.sign_in(staff_of(other))
    response = console.get(f"/console/communities/{community.id}/store-applications")
    assert response.status_code in (403, 404) and "我们想为本小区送菜" not in response.get_data(as_text=True)
    console.get("/console/home")
    assert console.post(f"/console/communities/{other.id}/store-applications/{applied.id}/approve").status_code in (
        403, 404)
