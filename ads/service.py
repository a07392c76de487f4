"""Ads' use cases so far: a store owner creates and edits campaigns, each targeted community's managers
approve or reject them (and review them again after an edit). A campaign that cannot make sense is
refused with 422 naming the field.

Reserve prices (`ADS_RESERVE_CPC`, `ADS_RESERVE_CPM`, fen) are the least a click or 1,000 impressions
sells for; a daily budget must buy at least one of them, and no bid may be below them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ads.models import Campaign, CampaignReview, Pricing, ReviewStatus
from commerce.policy import Permission as CommercePermission
from commerce.stores import queries as store_queries
from community.models import StaffRole
from core.auth import Actor
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow


def _invalid(errors: dict[str, Any]) -> InvalidInput:
    return InvalidInput(errors={field: [str(message)] for field, message in errors.items()})


def _check(session: Session, store_id: int, fields: dict[str, Any]) -> None:
    """Every rule a campaign's settings must keep, all at once (422 names each field that breaks one)."""
    config = current_app.config
    errors: dict[str, Any] = {}
    pricing, bid, daily = fields["pricing"], fields["bid"], fields["daily_budget"]
    reserve = config["ADS_RESERVE_CPC"] if pricing == Pricing.CPC else config["ADS_RESERVE_CPM"]
    if bid < reserve:
        errors["bid"] = _l("Must be at least the reserve price, %(reserve)d fen.", reserve=reserve)
    elif bid > daily:
        errors["bid"] = _l("Must not be above the daily budget.")
    if daily < reserve:
        errors["daily_budget"] = _l("Cannot buy one click or 1,000 impressions at the reserve (%(reserve)d fen).",
                                    reserve=reserve)
    total = fields.get("total_budget")
    if total is not None and total < daily:
        errors["total_budget"] = _l("Must cover at least one day's budget.")
    ends = fields.get("ends_at")
    if ends is not None and ends <= fields["starts_at"]:
        errors["ends_at"] = _l("Must be after the start.")
    targeting = fields["targeting"]
    serving = set(session.scalars(store_queries.communities_served_by(store_id, targeting["community_ids"])))
    strangers = sorted(set(targeting["community_ids"]) - serving)
    if strangers:
        errors["targeting.community_ids"] = _l("The store does not serve these communities: %(ids)s.",
                                               ids=", ".join(map(str, strangers)))
    radius = targeting.get("radius_m")
    if radius is not None and radius > config["ADS_MAX_RADIUS_M"]:
        errors["targeting.radius_m"] = _l("Must be at most %(max)d metres.", max=config["ADS_MAX_RADIUS_M"])
    link = (fields.get("creative") or {}).get("link")
    if link and not _links_own(session, store_id, link):
        errors["creative.link"] = _l("Must link to this store, or to one of its own products or coupons.")
    if errors:
        raise _invalid(errors)


def _links_own(session: Session, store_id: int, link: dict) -> bool:
    from commerce.catalog.models import Product
    from commerce.orders.models import Coupon

    kind, target = link.get("kind"), link.get("id")
    if kind == "store":
        return target == store_id
    model = {"product": Product, "coupon": Coupon}.get(kind)
    return model is not None and session.scalar(select(model.store_id).where(model.id == target)) == store_id


def create_campaign(session: Session, actor: Actor, store_id: int, **fields: Any) -> Campaign:
    """The owner creates a campaign; it waits for each targeted community's managers. Commits."""
    store_queries.require_store(session, actor, store_id, CommercePermission.STORE_UPDATE)
    fields.setdefault("starts_at", utcnow())
    _check(session, store_id, fields)
    campaign = Campaign(store_id=store_id, **fields)
    campaign.reviews = [CampaignReview(community_id=c) for c in dict.fromkeys(fields["targeting"]["community_ids"])]
    session.add(campaign)
    session.commit()
    return campaign


def update_campaign(session: Session, actor: Actor, store_id: int, campaign_id: int, **changes: Any) -> Campaign:
    """The owner edits a campaign: checked again as a whole, and reviewed again by every community it
    targets (pausing alone is not an edit). Commits."""
    store_queries.require_store(session, actor, store_id, CommercePermission.STORE_UPDATE)
    campaign = session.scalar(select(Campaign).where(Campaign.id == campaign_id, Campaign.store_id == store_id)
                              .with_for_update())
    if campaign is None:
        raise NotFound()
    settings = {name: getattr(campaign, name) for name in (
        "name", "objective", "pricing", "bid", "daily_budget", "total_budget", "starts_at", "ends_at", "dayparts",
        "creative", "targeting", "frequency_cap")}
    edited = {name: value for name, value in changes.items() if name != "paused" and settings.get(name) != value}
    _check(session, store_id, {**settings, **edited})
    for name, value in changes.items():
        setattr(campaign, name, value)
    if edited:
        wanted = list(dict.fromkeys(campaign.targeting["community_ids"]))
        kept = {review.community_id: review for review in campaign.reviews if review.community_id in wanted}
        for review in kept.values():
            review.status, review.reason, review.decided_by, review.decided_at = ReviewStatus.PENDING, None, None, None
        campaign.reviews = [kept.get(c) or CampaignReview(community_id=c) for c in wanted]
        campaign.updated_at = utcnow()
    session.commit()
    return campaign


def decide(session: Session, actor: Actor, community_id: int, campaign_id: int, *, approve: bool,
           reason: str | None = None, now: datetime | None = None) -> CampaignReview:
    """A community's manager approves the campaign to serve there, or rejects it with a reason. Commits."""
    if not (actor.is_platform_admin or actor.has_role(community_id, StaffRole.MANAGER)):
        raise Forbidden()
    review = session.scalar(select(CampaignReview).where(CampaignReview.campaign_id == campaign_id,
                                                         CampaignReview.community_id == community_id)
                            .with_for_update())
    if review is None:
        raise NotFound()
    if not approve and not reason:
        raise _invalid({"reason": _l("Say why the campaign is rejected.")})
    if review.status != ReviewStatus.PENDING:
        raise Conflict(_l("This campaign was already decided here; an edit asks again."))
    review.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
    review.reason, review.decided_by, review.decided_at = reason, actor.user_id, now or utcnow()
    session.commit()
    return review
