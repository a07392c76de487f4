"""The console's navigation: the places the signed-in actor works, as the API would let them
(communities they manage, stores they are staff of, the platform for its admins)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.stores import queries as store_queries
from community.models import Community, StaffRole
from core.auth import Actor
from core.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Section:
    title: str
    links: list[tuple[str, str]]  # (label, url)


def links(session: Session, actor: Actor) -> list[Section]:
    sections = [Section(str(_l("Console")), [(str(_l("Home")), url_for("console.home"))])]
    managed = actor.community_ids(StaffRole.MANAGER)
    desks = sorted(managed | actor.community_ids(StaffRole.GUARD))
    if desks:
        names = dict(session.execute(select(Community.id, Community.name).where(Community.id.in_(desks))).all())
        for community_id in desks:
            pages = [(str(_l("Parcels")), url_for("console.parcels", community_id=community_id))]
            if community_id in managed:
                pages = [
                    (str(_l("Service requests")), url_for("console.request_queue", community_id=community_id)),
                    (str(_l("Residency claims")), url_for("console.residencies", community_id=community_id)),
                    (str(_l("Store applications")),
                     url_for("console.store_applications", community_id=community_id)),
                    *pages,
                    (str(_l("Revenue")), url_for("console.community_revenue", community_id=community_id)),
                ]
            sections.append(Section(names.get(community_id, str(community_id)), pages))
    for store in session.scalars(store_queries.my_stores(actor)):
        sections.append(Section(store.name, [
            (str(_l("Orders")), url_for("console.orders_board", store_id=store.id)),
            (str(_l("Returns")), url_for("console.store_returns", store_id=store.id)),
            (str(_l("Settlement")), url_for("console.statement", store_id=store.id)),
        ]))
    if actor.is_platform_admin:
        sections.append(Section(str(_l("Platform")), [
            (str(_l("Commission rates")), url_for("console.commission_rates")),
            (str(_l("Platform revenue")), url_for("console.platform_revenue")),
        ]))
    return sections
