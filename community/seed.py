"""Demo data of the community floor: the `demo` community, its places and its people."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from community.models import Building, Community, Residency, ResidencyStatus, StaffMember, StaffRole, Unit
from core.models import utcnow
from identity.models import User
from identity.service import find_user_by_login, register_user

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the documented demo password
DEMO_USERS = [
    # login, display name, phone, platform role
    ("admin@demo.local", "平台管理员", "+8613800000000", "admin"),
    ("manager@demo.local", "王经理", "+8613800000001", None),
    ("resident@demo.local", "李女士", "+8613800000002", None),
    ("resident2@demo.local", "张先生", "+8613800000003", None),
    ("merchant@demo.local", "陈老板", "+8613800000004", None),
    ("courier@demo.local", "赵师傅", "+8613800000005", None),
]


def _user(session: Session, login: str) -> User:
    user = find_user_by_login(session, login)
    assert user is not None
    return user


def seed_demo(session: Session) -> None:
    for login, name, phone, role in DEMO_USERS:
        if find_user_by_login(session, login) is None:
            register_user(session, email=login, phone=phone, password=DEMO_PASSWORD, display_name=name,
                          platform_role=role)

    community = session.scalar(select(Community).where(Community.slug == "demo"))
    if community is None:
        community = Community(
            slug="demo", name="邻里示范社区 (Linli Demo Community)", address="上海市浦东新区示范路 88 号",
            latitude=31.2304, longitude=121.4737, timezone="Asia/Shanghai",
        )
        session.add(community)
        # flush: buildings below need the community's id
        session.flush()
        for b, name in enumerate(("1号楼", "2号楼", "3号楼"), start=1):
            building = Building(community_id=community.id, name=name,
                                latitude=31.2304 + b * 0.0004, longitude=121.4737)
            session.add(building)
            # flush: units need the building's id
            session.flush()
            for floor in range(1, 7):
                for door in (1, 2):
                    session.add(Unit(community_id=community.id, building_id=building.id,
                                     number=f"{floor}0{door}", floor=floor))
        session.flush()

    manager = _user(session, "manager@demo.local")
    if session.scalar(select(StaffMember.id).where(StaffMember.user_id == manager.id)) is None:
        session.add(StaffMember(community_id=community.id, user_id=manager.id, role=StaffRole.MANAGER))
    units = session.scalars(select(Unit).where(Unit.community_id == community.id).order_by(Unit.id)).all()
    for login, unit in (("resident@demo.local", units[2]), ("resident2@demo.local", units[15])):
        user = _user(session, login)
        if session.scalar(select(Residency.id).where(Residency.user_id == user.id)) is None:
            session.add(Residency(community_id=community.id, unit_id=unit.id, user_id=user.id, relation="owner",
                                  status=ResidencyStatus.APPROVED, decided_by=manager.id, decided_at=utcnow()))
