"""Demo data of service requests: a maintenance worker, categories and a few requests in several states."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community.models import Community, StaffMember, StaffRole
from community.queries import load_actor
from community.requests import filing, queries, workflow
from community.requests.models import RequestCategory, ServiceRequest
from community.seed import DEMO_PASSWORD
from identity.service import find_user_by_login, register_user

MAINTENANCE_LOGIN = "maintenance@demo.local"
CATEGORIES = [
    {"code": "plumbing", "name": "水电维修", "group": "维修", "description": "水管、电路、开关插座等户内外维修",
     "first_response_minutes": 120, "resolution_minutes": 2 * 24 * 60,
     "fields": [{"code": "room", "label": "哪个房间", "type": "single_choice", "required": True,
                 "options": [{"key": "kitchen", "name": "厨房"}, {"key": "bathroom", "name": "卫生间"},
                             {"key": "other", "name": "其他"}]},
                {"code": "since", "label": "从哪天开始", "type": "date"}]},
    {"code": "emergency", "name": "紧急情况 (电梯困人、燃气、漏电)", "group": "紧急", "is_emergency": True,
     "first_response_minutes": 10, "resolution_minutes": 120,
     "fields": [{"code": "people_trapped", "label": "被困人数", "type": "number"}]},
    {"code": "noise", "name": "噪音投诉", "group": "投诉", "assignee_role": "manager",
     "first_response_minutes": 24 * 60, "resolution_minutes": 3 * 24 * 60,
     "fields": [{"code": "hours", "label": "发生时段", "type": "multi_choice", "required": True,
                 "options": [{"key": "night", "name": "夜间 22:00-06:00"}, {"key": "day", "name": "白天"}]},
                {"code": "detail", "label": "补充说明", "type": "text"}]},
]


def _maintenance_worker(session: Session, community: Community) -> int:
    user = find_user_by_login(session, MAINTENANCE_LOGIN)
    if user is None:
        user = register_user(session, email=MAINTENANCE_LOGIN, phone="+8613800000006", password=DEMO_PASSWORD,
                             display_name="刘师傅")
    held = select(StaffMember.id).where(StaffMember.community_id == community.id, StaffMember.user_id == user.id,
                                        StaffMember.role == StaffRole.MAINTENANCE)
    if session.scalar(held) is None:
        session.add(StaffMember(community_id=community.id, user_id=user.id, role=StaffRole.MAINTENANCE))
        session.commit()
    return user.id


def _requests(session: Session, community: Community, categories: dict[str, RequestCategory], worker: int) -> None:
    """A few requests through the real use cases, so that their history and deadlines are genuine."""
    resident = load_actor(session, find_user_by_login(session, "resident@demo.local").id)
    neighbour = load_actor(session, find_user_by_login(session, "resident2@demo.local").id)
    manager = load_actor(session, find_user_by_login(session, "manager@demo.local").id)
    plumber = load_actor(session, worker)
    cid = community.id

    def file(actor, code, description, location, answers=None):
        return filing.file_request(session, actor, cid, category_id=categories[code].id, description=description,
                                    location=location, answers=answers or {}).id

    file(resident, "plumbing", "厨房水槽下面的水管一直在滴水", {"kind": "unit"},
         {"room": "kitchen", "since": "2026-11-20"})
    lift = file(neighbour, "emergency", "2号楼电梯停在 5 楼和 6 楼之间, 里面有人",
                {"kind": "common_area", "place": "2号楼 1 号电梯"}, {"people_trapped": 2})
    workflow.transition(session, plumber, cid, lift, action="start")
    noise = file(resident, "noise", "楼下广场每晚十点后还在跳广场舞, 音响很大",
                 {"kind": "common_area", "place": "中心广场"}, {"hours": ["night"]})
    workflow.transition(session, manager, cid, noise, action="acknowledge")
    workflow.add_comment(session, manager, cid, noise, body="已联系舞蹈队, 约定 21:30 前结束。")
    workflow.transition(session, manager, cid, noise, action="start")
    workflow.transition(session, manager, cid, noise, action="resolve", reason="舞蹈队已同意提前结束")
    socket = file(neighbour, "plumbing", "卫生间插座没电", {"kind": "unit"}, {"room": "bathroom"})
    workflow.transition(session, plumber, cid, socket, action="start")
    workflow.transition(session, plumber, cid, socket, action="resolve", reason="更换了漏电保护开关")
    workflow.rate_request(session, neighbour, cid, socket, score=5, reasons=["on_time", "polite"])


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    if community is None:
        return
    worker = _maintenance_worker(session, community)
    categories = {}
    for spec in CATEGORIES:
        category = queries.category_by_code(session, community.id, spec["code"])
        if category is None:
            category = RequestCategory(community_id=community.id, auto_assign=True, **spec)
            session.add(category)
        categories[spec["code"]] = category
    session.commit()
    if not session.scalar(select(func.count()).where(ServiceRequest.community_id == community.id)):
        _requests(session, community, categories, worker)
