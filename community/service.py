"""Use cases of the community floor. Each commits once; each checks policy first."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community import queries
from community.errors import (
    AlreadyClaimed,
    AlreadyStaff,
    NameTaken,
    ResidencyNotLive,
    ResidencyNotPending,
    SlugTaken,
    TooManyPendingClaims,
    UnknownUser,
)
from community.models import Building, Community, Residency, ResidencyStatus, StaffMember, Unit
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from community.policy import Permission
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require
from identity.service import find_user_by_login

MAX_PENDING_CLAIMS = 5

kinds.register(
    "residency.approved",
    title=N_("Your residency was approved"),
    body=N_("You are now a resident of %(community)s, unit %(building)s %(unit)s."),
)
kinds.register(
    "residency.rejected",
    title=N_("Your residency claim was rejected"),
    body=N_("Your claim on %(building)s %(unit)s was rejected: %(reason)s"),
)


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(errors={"timezone": [str(_l("Not an IANA time zone."))]}) from None


def create_community(session: Session, actor: Actor, **fields: Any) -> Community:
    """A platform admin opens a community. Commits."""
    require(actor, Permission.COMMUNITY_CREATE)
    _check_timezone(fields.get("timezone", "Asia/Shanghai"))
    if session.scalar(select(Community.id).where(Community.slug == fields["slug"])) is not None:
        raise SlugTaken()
    community = Community(**fields)
    session.add(community)
    session.commit()
    return community


def update_community(session: Session, actor: Actor, community_id: int, **fields: Any) -> Community:
    """A manager edits the community's profile. Commits."""
    community = queries.get_community(session, community_id)
    queries.require_member(actor, community_id)
    require(actor, Permission.COMMUNITY_UPDATE, community_id)
    if "timezone" in fields:
        _check_timezone(fields["timezone"])
    for name, value in fields.items():
        setattr(community, name, value)
    session.commit()
    return community


def add_building(session: Session, actor: Actor, community_id: int, **fields: Any) -> Building:
    """Commits."""
    queries.get_community(session, community_id)
    queries.require_member(actor, community_id)
    require(actor, Permission.PLACE_MANAGE, community_id)
    taken = select(Building.id).where(Building.community_id == community_id, Building.name == fields["name"])
    if session.scalar(taken) is not None:
        raise NameTaken()
    building = Building(community_id=community_id, **fields)
    session.add(building)
    session.commit()
    return building


def add_unit(session: Session, actor: Actor, community_id: int, building_id: int, **fields: Any) -> Unit:
    """Commits."""
    queries.require_member(actor, community_id)
    building = queries.get_building(session, community_id, building_id)
    require(actor, Permission.PLACE_MANAGE, community_id)
    taken = select(Unit.id).where(Unit.building_id == building.id, Unit.number == fields["number"])
    if session.scalar(taken) is not None:
        raise NameTaken()
    unit = Unit(community_id=community_id, building_id=building.id, **fields)
    session.add(unit)
    session.commit()
    return unit


def appoint_staff(session: Session, actor: Actor, community_id: int, *, login: str, role: str) -> StaffMember:
    """Platform admins appoint managers; managers appoint guards and maintenance staff. Commits."""
    queries.get_community(session, community_id)
    queries.require_member(actor, community_id)
    require(actor, Permission.STAFF_APPOINT, (community_id, role))
    user = find_user_by_login(session, login)
    if user is None:
        raise UnknownUser(errors={"login": [str(_l("No account has this login."))]})
    exists = select(StaffMember.id).where(
        StaffMember.community_id == community_id, StaffMember.user_id == user.id, StaffMember.role == role
    )
    if session.scalar(exists) is not None:
        raise AlreadyStaff()
    member = StaffMember(community_id=community_id, user_id=user.id, role=role, appointed_by=actor.user_id)
    session.add(member)
    session.commit()
    return member


def remove_staff(session: Session, actor: Actor, community_id: int, staff_id: int) -> None:
    """Commits."""
    queries.require_member(actor, community_id)
    member = queries.get_staff_member(session, community_id, staff_id)
    require(actor, Permission.STAFF_APPOINT, (community_id, member.role))
    session.delete(member)
    session.commit()


def claim_residency(
    session: Session, actor: Actor, community_id: int, *, unit_id: int, relation: str, note: str | None = None
) -> Residency:
    """A person claims to live in a unit; a manager decides. Commits."""
    queries.get_community(session, community_id)
    unit = queries.get_unit(session, community_id, unit_id)
    live = select(Residency.id).where(
        Residency.user_id == actor.user_id,
        Residency.unit_id == unit.id,
        Residency.status.in_([ResidencyStatus.PENDING, ResidencyStatus.APPROVED]),
    )
    if session.scalar(live) is not None:
        raise AlreadyClaimed()
    pending = select(func.count()).where(
        Residency.user_id == actor.user_id, Residency.status == ResidencyStatus.PENDING
    )
    if session.scalar(pending) >= MAX_PENDING_CLAIMS:
        raise TooManyPendingClaims()
    residency = Residency(
        community_id=community_id, unit_id=unit.id, user_id=actor.user_id, relation=relation, note=note
    )
    session.add(residency)
    session.commit()
    return residency


def _decide(session: Session, actor: Actor, community_id: int, residency_id: int) -> Residency:
    queries.require_member(actor, community_id)
    residency = queries.get_residency(session, actor, community_id, residency_id)
    require(actor, Permission.RESIDENCY_DECIDE, community_id)
    if residency.status != ResidencyStatus.PENDING:
        raise ResidencyNotPending()
    residency.decided_by, residency.decided_at = actor.user_id, utcnow()
    return residency


def approve_residency(session: Session, actor: Actor, community_id: int, residency_id: int) -> Residency:
    """The claimant becomes a resident of the community. Commits; notifies the claimant."""
    residency = _decide(session, actor, community_id, residency_id)
    residency.status = ResidencyStatus.APPROVED
    _notify_decision(session, residency, "residency.approved")
    session.commit()
    return residency


def _notify_decision(session: Session, residency: Residency, kind: str) -> None:
    community = session.get(Community, residency.community_id)
    notify(
        session, user_ids=[residency.user_id], kind=kind, community_id=residency.community_id,
        params={"community": community.name, "building": residency.unit.building.name,
                "unit": residency.unit.number, "reason": residency.reason or ""},
        subject=("residency", residency.id), dedupe_key=f"{kind}:{residency.id}",
    )


def reject_residency(
    session: Session, actor: Actor, community_id: int, residency_id: int, *, reason: str
) -> Residency:
    """Commits; notifies the claimant."""
    residency = _decide(session, actor, community_id, residency_id)
    residency.status, residency.reason = ResidencyStatus.REJECTED, reason
    _notify_decision(session, residency, "residency.rejected")
    session.commit()
    return residency


def end_residency(
    session: Session, actor: Actor, community_id: int, residency_id: int, *, reason: str | None = None
) -> Residency:
    """The resident moves out (or withdraws a claim), or a manager ends it. Commits."""
    residency = queries.get_residency(session, actor, community_id, residency_id)
    require(actor, Permission.RESIDENCY_END, residency)
    if residency.status not in (ResidencyStatus.PENDING, ResidencyStatus.APPROVED):
        raise ResidencyNotLive()
    residency.status, residency.reason = ResidencyStatus.ENDED, reason
    residency.decided_by, residency.decided_at = actor.user_id, utcnow()
    session.commit()
    return residency
