"""Demo data of logistics: courier@demo.local delivers in the community `demo` (off duty until it goes
on duty with its location through the API)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from community.models import Community
from identity.service import find_user_by_login
from logistics.models import Courier, CourierCommunity, Vehicle


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    user = find_user_by_login(session, "courier@demo.local")
    if community is None or user is None or session.scalar(select(Courier.id).where(Courier.user_id == user.id)):
        return
    courier = Courier(user_id=user.id, vehicle=Vehicle.EBIKE, capacity=5, max_weight_grams=30_000)
    session.add(courier)
    # flush: the membership names the courier
    session.flush()
    session.add(CourierCommunity(courier_id=courier.id, community_id=community.id))
    session.commit()
