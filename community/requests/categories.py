"""Use cases of what requests are filed under: a community's categories, with their SLA targets, and its
settings (filing limits, reopen window, duplicate radius). Each commits once."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from community.queries import get_community, require_member
from community.requests import queries
from community.requests.errors import AssigneeNotStaff, CategoryCodeTaken
from community.requests.models import RequestCategory, RequestSettings
from community.requests.policy import Permission
from core.auth import Actor
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.policy import require

# SLA targets a category gets when its manager names none; emergencies are answered faster.
DEFAULT_SLA_MINUTES = {False: (4 * 60, 3 * 24 * 60), True: (30, 4 * 60)}


def _check_default_assignee(session: Session, community_id: int, user_id: int | None) -> None:
    if user_id is not None and not queries.is_queue_staff(session, community_id, user_id):
        raise AssigneeNotStaff(errors={"default_assignee_id": [str(_l("Not a manager or maintenance staff here."))]})


def _check_sla(first_response: int, resolution: int) -> None:
    if first_response > resolution:
        raise InvalidInput(errors={"first_response_minutes": [
            str(_l("The first response cannot be due after the resolution."))]})


def create_category(session: Session, actor: Actor, community_id: int, **fields: Any) -> RequestCategory:
    """A manager adds a category of request. Commits."""
    get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.CATEGORY_MANAGE, community_id)
    if queries.category_by_code(session, community_id, fields["code"]) is not None:
        raise CategoryCodeTaken()
    _check_default_assignee(session, community_id, fields.get("default_assignee_id"))
    response, resolution = DEFAULT_SLA_MINUTES[bool(fields.get("is_emergency"))]
    fields.setdefault("first_response_minutes", response)
    fields.setdefault("resolution_minutes", resolution)
    _check_sla(fields["first_response_minutes"], fields["resolution_minutes"])
    category = RequestCategory(community_id=community_id, **fields)
    session.add(category)
    session.commit()
    return category


def update_category(
    session: Session, actor: Actor, community_id: int, category_id: int, **fields: Any
) -> RequestCategory:
    """A manager edits or archives (`active: false`) a category; filed requests keep their deadlines. Commits."""
    category = queries.member_category(session, actor, community_id, category_id)
    require(actor, Permission.CATEGORY_MANAGE, community_id)
    if "code" in fields and fields["code"] != category.code:
        if queries.category_by_code(session, community_id, fields["code"]) is not None:
            raise CategoryCodeTaken()
    if "default_assignee_id" in fields:
        _check_default_assignee(session, community_id, fields["default_assignee_id"])
    _check_sla(fields.get("first_response_minutes", category.first_response_minutes),
               fields.get("resolution_minutes", category.resolution_minutes))
    for name, value in fields.items():
        setattr(category, name, value)
    session.commit()
    return category


def update_settings(session: Session, actor: Actor, community_id: int, **fields: Any) -> RequestSettings:
    """A manager changes the community's limits, reopen window and duplicate radius. Commits."""
    get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.SETTINGS_MANAGE, community_id)
    current = session.get(RequestSettings, community_id)
    if current is None:
        current = RequestSettings(community_id=community_id, **queries.DEFAULT_SETTINGS)
        session.add(current)
    for name, value in fields.items():
        setattr(current, name, value)
    session.commit()
    return current
