"""Commission: the platform's and the community's shares of a payment to a payee, at the rates set per
community and store category (the most specific wins)."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from community import queries as community_queries
from core.auth import Actor
from core.i18n import lazy_gettext as _l
from core.policy import require
from payments.models import (
    CommissionRate,
)
from payments.policy import Permission
from payments.validation import invalid

log = logging.getLogger(__name__)

ANY_CATEGORY = "*"


def rates(session: Session, community_id: int, store_category: str | None) -> tuple[int, int]:
    """The most specific rates: community and category, community, category, then the default."""
    category = store_category or ANY_CATEGORY
    rows = session.scalars(
        select(CommissionRate).where(
            or_(CommissionRate.community_id == community_id, CommissionRate.community_id.is_(None)),
            CommissionRate.store_category.in_({category, ANY_CATEGORY}),
        )
    ).all()
    if rows:
        best = max(rows, key=lambda r: (r.community_id is not None, r.store_category != ANY_CATEGORY))
        return best.platform_rate_bps, best.community_rate_bps
    config = current_app.config
    return config["COMMISSION_PLATFORM_BPS"], config["COMMISSION_COMMUNITY_BPS"]


def split(amount: int, platform_bps: int, community_bps: int) -> tuple[int, int]:
    # Rounded down: a fen of doubt goes to the merchant.
    return amount * platform_bps // 10_000, amount * community_bps // 10_000


def commission_for(session: Session, *, community_id: int, store_category: str | None, amount: int) -> tuple[int, int]:
    """`(platform_share, community_share)` of `amount` at the rates for this community and category.

    Rates come from `commission_rates`: the row for (community, category), else (community, '*'),
    else (all communities, category), else the default row (all, '*'), else the configured
    COMMISSION_PLATFORM_BPS / COMMISSION_COMMUNITY_BPS. Shares are rounded down. Reads only.
    """
    return split(amount, *rates(session, community_id, store_category))


def set_commission_rate(
    session: Session, actor: Actor, *, community_id: int | None, store_category: str,
    platform_rate_bps: int, community_rate_bps: int,
) -> CommissionRate:
    """A platform admin sets the rates for a community (or all) and a store category (or '*').

    Commits. Applies to payments started afterwards; started ones keep their rates.
    """
    require(actor, Permission.COMMISSION_MANAGE)
    if community_id is not None:
        community_queries.get_community(session, community_id)
    if platform_rate_bps + community_rate_bps > 10_000:
        raise invalid("community_rate_bps", _l("The two rates together cannot exceed 10000 (100 %)."))
    scope = (
        CommissionRate.community_id.is_(None) if community_id is None else CommissionRate.community_id == community_id
    )
    rate = session.scalar(
        select(CommissionRate).where(scope, CommissionRate.store_category == store_category).with_for_update()
    )
    if rate is None:
        rate = CommissionRate(community_id=community_id, store_category=store_category)
        session.add(rate)
    rate.platform_rate_bps = platform_rate_bps
    rate.community_rate_bps = community_rate_bps
    rate.updated_by = actor.user_id
    session.commit()
    return rate
