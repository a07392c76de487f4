"""Logistics' jobs: a dispatch round per community every few seconds, and stale locations forgotten."""
from __future__ import annotations

from core.db import db
from core.jobs import PeriodicJob, job, jobs
from logistics import service


@job("high", timeout=60, retries=0)
def dispatch_community(community_id: int) -> dict[str, int]:
    return service.dispatch_community(db.session, community_id)


@job("high", timeout=30, retries=0)
def dispatch_all() -> int:
    """Enqueues one round per community with tasks waiting, one at a time per community (its job id)."""
    communities = service.active_communities(db.session)
    for community_id in communities:
        jobs.enqueue(dispatch_community, community_id, job_id=f"logistics-dispatch-{community_id}")
    return len(communities)


@job("low", timeout=120)
def forget_stale_locations() -> int:
    return service.forget_stale_locations(db.session)


PERIODIC = [
    PeriodicJob("logistics.dispatch", dispatch_all, interval=5),
    PeriodicJob("logistics.forget-locations", forget_stale_locations, interval=300),
]
