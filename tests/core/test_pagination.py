"""The one page shape; counts that stop at a limit for lists that can match a great many rows."""
from sqlalchemy import select

from community.models import Community
from core.pagination import paginate
from tests.factories import CommunityFactory, current_session


def _five_communities() -> list[int]:
    return [CommunityFactory().id for _ in range(5)]


def test_a_count_limit_reports_a_lower_bound_once_more_rows_match(connection):
    ids = _five_communities()
    query = select(Community).where(Community.id.in_(ids)).order_by(Community.id)

    capped = paginate(current_session(), query, {"page": 2, "page_size": 2}, count_limit=3)
    assert (capped["total"], capped["total_exact"]) == (3, False)
    assert [c.id for c in capped["items"]] == ids[2:4]

    at_limit = paginate(current_session(), query, {"page": 1, "page_size": 2}, count_limit=5)
    exact = paginate(current_session(), query, {"page": 1, "page_size": 2})
    assert (at_limit["total"], at_limit["total_exact"]) == (5, True)
    assert (exact["total"], exact["total_exact"]) == (5, True)
