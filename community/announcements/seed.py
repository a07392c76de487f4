"""Demo data of community/announcements: an urgent water cut, a notice to all, one to a building."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.announcements.models import Announcement
from community.announcements.service import publish_announcement
from community.models import Building, Community
from core.models import utcnow
from identity.service import find_user_by_login


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    if session.scalar(select(Announcement.id).where(Announcement.community_id == community.id)) is not None:
        return
    manager = community_queries.load_actor(session, find_user_by_login(session, "manager@demo.local").id)
    two = session.scalar(select(Building).where(Building.community_id == community.id, Building.name == "2号楼"))
    publish_announcement(
        session, manager, community.id, title="垃圾分类宣传周",
        body="本周六上午 9 点在中心花园开展垃圾分类宣传活动, 欢迎各位邻居参加。",
    )
    publish_announcement(
        session, manager, community.id, title="2号楼电梯保养", building_ids=[two.id],
        body="2号楼电梯将于本周四 14:00-16:00 保养, 请住户合理安排出行。",
        expires_at=utcnow() + timedelta(days=7),
    )
    publish_announcement(
        session, manager, community.id, title="紧急停水通知", emergency=True,
        body="因市政管道抢修, 今日 13:00-18:00 全小区停水, 请提前储水。",
        expires_at=utcnow() + timedelta(days=7),
    )
