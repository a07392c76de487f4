"""Which changes make a cached service-request queue stale (core/cache.py): any request or category
of the community (`service-requests:{id}`, or `SERVICE_REQUESTS` when the rows are unknown, as for
the SLA job's bulk UPDATE), the names and units shown in it (`PEOPLE`, `PLACES`), and the reader's
actor, whose roles decide what the page holds and whose contacts it shows."""
from __future__ import annotations

from community.invalidation import PEOPLE, PLACES
from community.requests.models import RequestCategory, ServiceRequest
from core.auth import actor_deps
from core.cache import Cache

SERVICE_REQUESTS = "service-requests"


def requests_scope(community_id: int) -> str:
    return f"service-requests:{community_id}"


def queue_deps(user_id: int, community_id: int) -> tuple[str, ...]:
    """A page of a community's queue as one user reads it (their own contacts and visibility)."""
    return (*actor_deps(user_id), PEOPLE, PLACES, SERVICE_REQUESTS, requests_scope(community_id))


def watch(cache: Cache) -> None:
    for model in (ServiceRequest, RequestCategory):
        cache.watch(model, lambda row, _change: [requests_scope(row.community_id)], bulk=[SERVICE_REQUESTS])
