"""Demo data of community/parcels: parcels waiting for the demo residents, logged by the guard."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.models import Community, Residency
from community.parcels.models import Parcel
from community.parcels.service import log_parcel
from community.visitors.seed import demo_guard
from identity.service import find_user_by_login

DEMO_PARCELS = [
    # resident login, carrier, tracking number, shelf
    ("resident@demo.local", "顺丰速运", "SF1400000001", "A-01"),
    ("resident@demo.local", "京东物流", "JD0088000001", "B-12"),
    ("resident2@demo.local", "中通快递", "ZT7300000001", "A-07"),
]


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    guard = community_queries.load_actor(session, demo_guard(session, community).id)
    for login, carrier, tracking_number, shelf in DEMO_PARCELS:
        logged = select(Parcel.id).where(Parcel.community_id == community.id, Parcel.tracking_number == tracking_number)
        if session.scalar(logged) is not None:
            continue
        resident = find_user_by_login(session, login)
        home = session.scalar(select(Residency).where(Residency.user_id == resident.id,
                                                      Residency.community_id == community.id))
        log_parcel(session, guard, community.id, unit_id=home.unit_id, carrier=carrier,
                   tracking_number=tracking_number, shelf=shelf)
