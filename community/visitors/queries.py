"""Read side of visitor passes: a host's own passes (all of them for managers) and their entries."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from community.models import Residency, ResidencyStatus
from community.queries import require_member
from community.visitors.models import VisitorEntry, VisitorPass
from community.visitors.policy import Permission
from core.auth import Actor
from core.errors import NotFound
from core.policy import allows


def lives_in(session: Session, actor: Actor, unit_id: int) -> bool:
    return session.scalar(
        select(Residency.id).where(
            Residency.user_id == actor.user_id,
            Residency.unit_id == unit_id,
            Residency.status == ResidencyStatus.APPROVED,
        )
    ) is not None


def visible_passes(actor: Actor, community_id: int) -> Select:
    """Managers see every pass of their community; anyone else the passes they issued."""
    require_member(actor, community_id)
    query = select(VisitorPass).where(VisitorPass.community_id == community_id).order_by(VisitorPass.id.desc())
    if not allows(actor, Permission.VISITOR_VIEW_ALL, community_id):
        query = query.where(VisitorPass.host_id == actor.user_id)
    return query


def get_pass(session: Session, actor: Actor, community_id: int, pass_id: int) -> VisitorPass:
    visitor_pass = session.scalar(visible_passes(actor, community_id).where(VisitorPass.id == pass_id))
    if visitor_pass is None:
        raise NotFound()
    return visitor_pass


def pass_entries(session: Session, actor: Actor, community_id: int, pass_id: int) -> Select:
    """Who came when through one pass, and which guard let them in (its host or a manager)."""
    get_pass(session, actor, community_id, pass_id)
    return select(VisitorEntry).where(VisitorEntry.pass_id == pass_id).order_by(VisitorEntry.id.desc())
