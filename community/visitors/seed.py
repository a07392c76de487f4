"""Demo data of community/visitors: the demo guard, and a pass from the demo resident."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.models import Community, Residency, StaffMember, StaffRole
from community.seed import DEMO_PASSWORD
from community.visitors.models import VisitorPass
from community.visitors.service import create_visitor_pass
from core.models import utcnow
from identity.models import User
from identity.service import find_user_by_login, register_user

GUARD_LOGIN = "guard@demo.local"


def demo_guard(session: Session, community: Community) -> User:
    """guard@demo.local, a guard of the demo community (created once)."""
    guard = find_user_by_login(session, GUARD_LOGIN)
    if guard is None:
        guard = register_user(session, email=GUARD_LOGIN, password=DEMO_PASSWORD, display_name="刘保安")
    appointed = select(StaffMember.id).where(
        StaffMember.community_id == community.id, StaffMember.user_id == guard.id, StaffMember.role == StaffRole.GUARD
    )
    if session.scalar(appointed) is None:
        session.add(StaffMember(community_id=community.id, user_id=guard.id, role=StaffRole.GUARD))
        session.commit()
    return guard


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    demo_guard(session, community)
    resident = find_user_by_login(session, "resident@demo.local")
    if session.scalar(select(VisitorPass.id).where(VisitorPass.host_id == resident.id)) is not None:
        return
    home = session.scalar(select(Residency).where(Residency.user_id == resident.id,
                                                  Residency.community_id == community.id))
    create_visitor_pass(
        session, community_queries.load_actor(session, resident.id), community.id, unit_id=home.unit_id,
        visitor_name="陈阿姨", visitor_phone="13912345678", valid_until=utcnow() + timedelta(days=7),
        entries_allowed=3,
    )
