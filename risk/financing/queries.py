"""What financing shows: a store's own credit and advances (its owner), the portfolio and the review
queue (platform admins). Reads only."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.stores import queries as store_queries
from core.auth import Actor
from core.errors import NotFound
from core.policy import require
from risk.financing.models import Advance, AdvanceStatus, FinancingOffer, OfferStatus, Repayment
from risk.financing.service import open_offer
from risk.models import ModelVersion, StoreScore
from risk.policy import Permission
from risk.queries import latest_score


def _score_view(session: Session, score: StoreScore | None) -> dict | None:
    if score is None:
        return None
    version = session.get(ModelVersion, score.model_version_id)
    return {"as_of": score.as_of, "band": score.band, "points": round(score.points, 1),
            "probability": round(score.probability, 4), "reasons": score.reasons,
            "model": f"{version.name} v{version.version}" if version else None,
            "synthetic_model": bool(version and version.synthetic)}


def advance_view(session: Session, advance: Advance) -> dict:
    repayments = list(session.scalars(select(Repayment).where(Repayment.advance_id == advance.id)
                                      .order_by(Repayment.id)))
    return {
        "id": advance.id, "status": advance.status, "currency": advance.currency, "principal": advance.principal,
        "fee": advance.fee, "total_due": advance.total_due, "repaid": advance.repaid,
        "outstanding": advance.outstanding,
        "progress": round(advance.repaid / advance.total_due, 4) if advance.total_due else 0.0,
        "remittance_rate": advance.remittance_bp / 10_000, "min_repayment": advance.min_repayment,
        "period_days": advance.period_days, "days_past_due": advance.days_past_due,
        "human_review_requested": advance.human_review_requested, "decided_by": advance.decided_by,
        "decision_reason": advance.decision_reason, "decided_at": advance.decided_at,
        "disbursed_at": advance.disbursed_at, "closed_at": advance.closed_at, "created_at": advance.created_at,
        "repayments": [{"kind": r.kind, "amount": r.amount, "fee_part": r.fee_part, "at": r.created_at}
                       for r in repayments],
    }


def offer_view(offer: FinancingOffer | None) -> dict | None:
    if offer is None:
        return None
    return {"id": offer.id, "band": offer.band, "currency": offer.currency, "monthly_sales": offer.monthly_sales,
            "min_amount": offer.min_amount, "max_amount": offer.max_amount, "fee_rate": offer.fee_bp / 10_000,
            "fee_at_max": offer.max_amount * offer.fee_bp // 10_000,
            "remittance_rate": offer.remittance_bp / 10_000, "min_repayment_rate": offer.min_repayment_bp / 10_000,
            "period_days": offer.period_days, "decided_automatically_up_to": offer.auto_limit,
            "status": offer.status, "expires_at": offer.expires_at, "created_at": offer.created_at}


def store_financing(session: Session, actor: Actor, store_id: int) -> dict:
    """The owner's view: the latest score with its reasons, the open offer, and every advance."""
    store_queries.require_store(session, actor, store_id, Permission.FINANCING_OWN)
    advances = session.scalars(select(Advance).where(Advance.store_id == store_id).order_by(Advance.id.desc()))
    return {"store_id": store_id, "score": _score_view(session, latest_score(session, store_id)),
            "offer": offer_view(open_offer(session, store_id)),
            "advances": [advance_view(session, advance) for advance in advances]}


def store_advance(session: Session, actor: Actor, store_id: int, advance_id: int) -> dict:
    store_queries.require_store(session, actor, store_id, Permission.FINANCING_OWN)
    advance = session.get(Advance, advance_id)
    if advance is None or advance.store_id != store_id:
        raise NotFound()
    return advance_view(session, advance)


def review_queue(session: Session, actor: Actor) -> list[dict]:
    """Advances waiting for a person, oldest first, with the score and reasons behind each."""
    require(actor, Permission.FINANCING_ADMIN)
    advances = session.scalars(select(Advance).where(Advance.status == AdvanceStatus.IN_REVIEW)
                               .order_by(Advance.created_at, Advance.id))
    return [{**advance_view(session, advance), "store_id": advance.store_id, "community_id": advance.community_id,
             "merchant_note": advance.merchant_note,
             "score": _score_view(session, session.get(StoreScore, advance.score_id))} for advance in advances]


def portfolio(session: Session, actor: Actor) -> dict:
    """Outstanding, repaid, fees earned and written off, per currency; default rate by vintage (the
    month of disbursement): the share of advances that defaulted or were written off."""
    require(actor, Permission.FINANCING_ADMIN)
    totals: dict[str, dict[str, int]] = {}
    vintages: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"advances": 0, "defaulted": 0,
                                                                           "disbursed": 0})
    by_status: dict[str, int] = defaultdict(int)
    for advance in session.scalars(select(Advance)):
        by_status[advance.status] += 1
        if advance.disbursed_at is None:
            continue
        money = totals.setdefault(advance.currency, {"disbursed": 0, "outstanding": 0, "repaid": 0,
                                                     "fees_earned": 0, "written_off": 0})
        money["disbursed"] += advance.principal
        money["outstanding"] += advance.outstanding
        money["repaid"] += advance.repaid
        money["fees_earned"] += advance.fee_earned
        if advance.status == AdvanceStatus.WRITTEN_OFF:
            money["written_off"] += advance.total_due - advance.repaid
        vintage = vintages[(advance.disbursed_at.strftime("%Y-%m"), advance.currency)]
        vintage["advances"] += 1
        vintage["disbursed"] += advance.principal
        vintage["defaulted"] += advance.status in (AdvanceStatus.DEFAULTED, AdvanceStatus.WRITTEN_OFF)
    return {
        "totals": totals, "by_status": dict(by_status),
        "open_offers": len(session.scalars(select(FinancingOffer.id).where(
            FinancingOffer.status == OfferStatus.OPEN)).all()),
        "vintages": [{"month": month, "currency": currency, **v,
                      "default_rate": round(v["defaulted"] / v["advances"], 4)}
                     for (month, currency), v in sorted(vintages.items())],
    }
