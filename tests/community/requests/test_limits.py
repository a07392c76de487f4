"""The per-resident daily filing limit, counted on the community's calendar day, holds under concurrency."""
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from community.requests import filing
from community.requests.errors import DailyLimitReached
from community.requests.models import RequestSettings, ServiceRequest
from core.auth import Actor, Membership
from core.db import db
from tests.community.requests.factories import CategoryFactory
from tests.conftest import bearer, on_both_databases
from tests.factories import CommunityFactory, current_session, resident_of


def _body(category):
    return {"category_id": category.id, "description": "电梯异响", "location": {"kind": "common_area", "place": "电梯"}}


def _count(app, community_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).where(ServiceRequest.community_id == community_id))


def test_a_resident_files_at_most_the_daily_limit(client):
    community = CommunityFactory()
    category = CategoryFactory(community=community)
    resident, other = resident_of(community), resident_of(community)
    url = f"/api/communities/{community.id}/service-requests"
    for _ in range(5):
        assert client.post(url, json=_body(category), headers=bearer(resident.id)).status_code == 201
    refused = client.post(url, json=_body(category), headers=bearer(resident.id))
    assert refused.status_code == 429 and refused.json["code"] == "daily_request_limit_reached"
    assert 1 <= int(refused.headers["Retry-After"]) == refused.json["retry_after"] <= 25 * 3600
    assert client.post(url, json=_body(category), headers=bearer(other.id)).status_code == 201


def test_the_day_is_the_community_s_day(app, connection):
    community = CommunityFactory(timezone="Asia/Shanghai")
    category = CategoryFactory(community=community)
    resident = resident_of(community)
    current_session().add(RequestSettings(community_id=community.id, daily_limit_per_resident=1,
                                          daily_limit_per_open311_key=10, reopen_window_hours=72,
                                          duplicate_radius_m=50))
    current_session().commit()
    actor = Actor(user_id=resident.id, memberships=(Membership(community.id, "resident"),))
    location = {"kind": "common_area", "place": "电梯"}

    def file_at(moment):
        with app.app_context():
            return filing.file_request(db.session, actor, community.id, category_id=category.id,
                                        description="x", location=location, now=moment)

    # 15:30 and 16:30 UTC straddle midnight in Shanghai: two local days, one request each.
    file_at(datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    file_at(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    with pytest.raises(DailyLimitReached):
        file_at(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))


@on_both_databases
def test_simultaneous_filings_never_pass_the_daily_limit(app, committed):
    community = CommunityFactory()
    category = CategoryFactory(community=community)
    resident = resident_of(community)
    current_session().commit()
    url = f"/api/communities/{community.id}/service-requests"
    headers = bearer(resident.id)

    def post(_):
        return app.test_client().post(url, json=_body(category), headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(post, range(16)))
    assert statuses == [201] * 5 + [429] * 11, statuses
    assert _count(app, community.id) == 5


def test_a_refused_filing_is_told_to_retry_at_the_community_s_midnight(app, connection):
    community = CommunityFactory(timezone="Asia/Shanghai")
    category = CategoryFactory(community=community)
    resident = resident_of(community)
    current_session().add(RequestSettings(community_id=community.id, daily_limit_per_resident=1,
                                          daily_limit_per_open311_key=10, reopen_window_hours=72,
                                          duplicate_radius_m=50))
    current_session().commit()
    actor = Actor(user_id=resident.id, memberships=(Membership(community.id, "resident"),))
    location = {"kind": "common_area", "place": "电梯"}
    with app.app_context():
        # 17:00 UTC is 01:00 in Shanghai: the next local midnight is 23 hours away.
        moment = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
        filing.file_request(db.session, actor, community.id, category_id=category.id, description="x",
                             location=location, now=moment)
        with pytest.raises(DailyLimitReached) as refused:
            filing.file_request(db.session, actor, community.id, category_id=category.id, description="x",
                                 location=location, now=moment)
    assert refused.value.headers == {"Retry-After": str(23 * 3600)}
