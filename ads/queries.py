"""What ads shows so far: a store's campaigns to its owner and staff, a community's campaigns waiting for
its managers. Reads only."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ads.models import Campaign, CampaignReview, ReviewStatus
from commerce.policy import Permission as CommercePermission
from commerce.stores import queries as store_queries
from community.models import StaffRole
from core.auth import Actor
from core.errors import Forbidden, NotFound


def store_campaigns(session: Session, actor: Actor, store_id: int) -> Select:
    store_queries.require_store(session, actor, store_id, CommercePermission.STORE_OPERATE)
    return select(Campaign).where(Campaign.store_id == store_id).order_by(Campaign.id.desc())


def store_campaign(session: Session, actor: Actor, store_id: int, campaign_id: int) -> Campaign:
    store_queries.require_store(session, actor, store_id, CommercePermission.STORE_OPERATE)
    campaign = session.scalar(select(Campaign).where(Campaign.id == campaign_id, Campaign.store_id == store_id))
    if campaign is None:
        raise NotFound()
    return campaign


def community_campaigns(actor: Actor, community_id: int, *, status: str | None = ReviewStatus.PENDING) -> Select:
    """Campaigns targeting the community, with its own review (managers)."""
    if not (actor.is_platform_admin or actor.has_role(community_id, StaffRole.MANAGER)):
        raise Forbidden()
    query = (select(Campaign).join(CampaignReview, CampaignReview.campaign_id == Campaign.id)
             .where(CampaignReview.community_id == community_id).order_by(Campaign.id))
    return query.where(CampaignReview.status == status) if status else query
