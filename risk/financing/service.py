"""Financing's use cases: offers from a store's score, acceptance decided in the request for clear cases
and by a person otherwise, disbursement, repayment from settlements, early repayment, delinquency and
write-off. Every movement of money is a ledger entry in the transaction that changes the advance.

Ledger (accounts opened by `wiring.register`; S is the store):
- disbursement: debit `advance_receivable:store:S` principal + fee; credit `merchant_payable:store:S`
  the principal (paid out at the next payout) and `financing_unearned:store:S` the fee;
- remittance or early repayment: debit `merchant_payable:store:S` the amount and
  `financing_unearned:store:S` its part of the fee; credit `advance_receivable:store:S` the amount and
  `revenue:financing_fees` its part of the fee (the fee is earned as it is repaid);
- write-off: debit `expense:credit_losses` the principal lost and `financing_unearned:store:S` the fee
  never earned; credit `advance_receivable:store:S` what was outstanding.

Locks, always in this order: the community row (limits), the advance row, then ledger accounts in id
order (`post_entry`, `lock_accounts`); settlement takes the advance first through the withholder.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commerce.stores import queries as store_queries
from community.models import Community
from core.auth import Actor
from core.errors import Conflict, InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require
from payments import ledger
from payments.models import JournalEntry, LedgerAccount, Posting
from risk import service as risk_service
from risk.financing import terms
from risk.financing.models import (
    OPEN_STATUSES,
    OUTSTANDING_STATUSES,
    Advance,
    AdvanceStatus,
    FinancingOffer,
    OfferStatus,
    Repayment,
    RepaymentKind,
)
from risk.policy import Permission

log = logging.getLogger(__name__)

RECEIVABLE = "advance_receivable:"
UNEARNED = "financing_unearned:"
FEES = "revenue:financing_fees"
LOSSES = "expense:credit_losses"
OFFER_FRESH_FOR = timedelta(days=1)  # an open offer older than this is recomputed when asked for


class OfferNotOpen(Conflict):
    code, title = "offer_not_open", _l("This offer can no longer be accepted")


class AdvanceOpen(Conflict):
    code, title = "advance_open", _l("The store already has an advance open")


class LimitReached(Conflict):
    code, title = "financing_limit_reached", _l("Financing for this community is at its limit for now")


class NoOffer(Conflict):
    code, title = "no_offer", _l("There is no financing offer for this store now")


def receivable(store_id: int) -> str:
    return f"{RECEIVABLE}store:{store_id}"


def unearned(store_id: int) -> str:
    return f"{UNEARNED}store:{store_id}"


def payable(store_id: int) -> str:
    return ledger.payee_account(f"store:{store_id}")


def _invalid(field: str, message) -> InvalidInput:
    return InvalidInput(errors={field: [str(message)]})


# -- offers ------------------------------------------------------------------------------------------


def open_offer(session: Session, store_id: int, *, now: datetime | None = None) -> FinancingOffer | None:
    now = now or utcnow()
    return session.scalar(select(FinancingOffer).where(
        FinancingOffer.store_id == store_id, FinancingOffer.status == OfferStatus.OPEN,
        FinancingOffer.expires_at > now))


def refresh_offer(session: Session, store_id: int, *, now: datetime | None = None,
                  force: bool = False) -> FinancingOffer | None:
    """The store's open offer, recomputed from a fresh score and its sales when it is older than a day
    (or `force`). None while an advance is open, or when the band or sales give none. Commits."""
    now = now or utcnow()
    current = open_offer(session, store_id, now=now)
    if current is not None and not force and current.created_at > now - OFFER_FRESH_FOR:
        return current
    if session.scalar(select(Advance.id).where(Advance.store_id == store_id, Advance.status.in_(OPEN_STATUSES))):
        return None
    score = risk_service.score_store(session, store_id, as_of=now)  # commits the score
    config = current_app.config
    offered = terms.offer_terms(score.band, int(score.features.get("sales_90d") or 0),
                                min_amount=config["FINANCING_MIN_OFFER"],
                                store_limit=config["FINANCING_STORE_LIMIT"])
    for stale in session.scalars(select(FinancingOffer).where(FinancingOffer.store_id == store_id,
                                                              FinancingOffer.status == OfferStatus.OPEN)):
        stale.status = OfferStatus.EXPIRED if stale.expires_at <= now else OfferStatus.SUPERSEDED
    # flush: the superseded offer leaves the one-open-offer index before the new one enters it
    session.flush()
    offer = None
    if offered is not None:
        offer = FinancingOffer(
            store_id=store_id, score_id=score.id, band=offered.band, currency=_currency(session, store_id),
            monthly_sales=offered.monthly_sales, min_amount=offered.min_amount, max_amount=offered.max_amount,
            fee_bp=offered.fee_bp, remittance_bp=offered.remittance_bp, min_repayment_bp=offered.min_repayment_bp,
            period_days=offered.period_days, auto_limit=offered.auto_limit, status=OfferStatus.OPEN,
            expires_at=now + timedelta(days=config["FINANCING_OFFER_DAYS"]), created_at=now)
        session.add(offer)
    try:
        session.commit()
    except IntegrityError:  # another request made the store's offer at the same moment: theirs stands
        session.rollback()
        return open_offer(session, store_id, now=now)
    return offer


def _currency(session: Session, store_id: int) -> str:
    from commerce.stores.models import Store

    return session.get(Store, store_id).currency


def ask_for_offer(session: Session, actor: Actor, store_id: int) -> FinancingOffer:
    """The owner asks what it may borrow now: a fresh score and offer. Commits. 409 `no_offer` when none."""
    store_queries.require_store(session, actor, store_id, Permission.FINANCING_OWN)
    offer = refresh_offer(session, store_id, force=True)
    if offer is None:
        raise NoOffer()
    return offer


# -- acceptance and decisions ------------------------------------------------------------------------


def _lock_community(session: Session, community_id: int) -> None:
    session.scalar(select(Community.id).where(Community.id == community_id).with_for_update())


def community_exposure(session: Session, community_id: int) -> int:
    """What the community's stores owe on advances, and what advances in review would add."""
    outstanding = session.scalar(
        select(func.coalesce(func.sum(Advance.principal + Advance.fee - Advance.repaid), 0))
        .where(Advance.community_id == community_id, Advance.status.in_(OPEN_STATUSES)))
    return int(outstanding)


def _check_limit(session: Session, community_id: int, adding: int) -> None:
    if community_exposure(session, community_id) + adding > current_app.config["FINANCING_COMMUNITY_LIMIT"]:
        raise LimitReached()


def accept_offer(session: Session, actor: Actor, store_id: int, offer_id: int, *, amount: int,
                 human_review: bool = False, note: str | None = None) -> Advance:
    """The owner takes `amount` of an offer. Within the offer's automatic limit and with no person asked
    for, it is approved and disbursed in this request; otherwise it waits for a person. Commits.

    409 `offer_not_open` (taken, superseded or expired), `advance_open` (one already open: also when
    two acceptances race), `financing_limit_reached` (the community's limit); 422 for an amount outside
    the offer."""
    store_queries.require_store(session, actor, store_id, Permission.FINANCING_OWN)
    community_id = store_queries.home_community_id(session, store_id)
    if community_id is None:
        raise NoOffer(_l("The store serves no community."))
    _lock_community(session, community_id)
    offer = session.scalar(select(FinancingOffer).where(FinancingOffer.id == offer_id,
                                                        FinancingOffer.store_id == store_id)
                           .with_for_update().execution_options(populate_existing=True))
    if offer is None:
        raise NotFound()
    now = utcnow()
    if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
        raise OfferNotOpen()
    if not offer.min_amount <= amount <= offer.max_amount:
        raise _invalid("amount", _l("Must be from %(min)d to %(max)d fen.", min=offer.min_amount,
                                    max=offer.max_amount))
    if session.scalar(select(Advance.id).where(Advance.store_id == store_id, Advance.status.in_(OPEN_STATUSES))):
        raise AdvanceOpen()
    fee = terms.fee_for(amount, offer.fee_bp)
    _check_limit(session, community_id, amount + fee)
    advance = Advance(
        store_id=store_id, community_id=community_id, offer_id=offer.id, score_id=offer.score_id,
        requested_by=actor.user_id, currency=offer.currency, principal=amount, fee=fee,
        remittance_bp=offer.remittance_bp, min_repayment=terms.min_repayment(amount + fee, offer.min_repayment_bp),
        period_days=offer.period_days, status=AdvanceStatus.IN_REVIEW, human_review_requested=human_review,
        merchant_note=note, created_at=now)
    offer.status = OfferStatus.ACCEPTED
    session.add(advance)
    try:
        # flush: the one-open-advance index decides a race between two acceptances here
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AdvanceOpen() from None
    if not human_review and amount <= offer.auto_limit:
        _approve(session, advance, by="auto", reason="within the automatic limit of band " + offer.band)
    session.commit()
    return advance


def _approve(session: Session, advance: Advance, *, by: str, reason: str, user_id: int | None = None) -> None:
    now = utcnow()
    advance.status, advance.decided_by, advance.decided_by_user = AdvanceStatus.ACTIVE, by, user_id
    advance.decision_reason, advance.decided_at, advance.disbursed_at = reason, now, now
    store = advance.store_id
    entry = ledger.post_entry(session, key=f"advance:disburse:{advance.id}",
                              description=f"Advance {advance.id} disbursed", occurred_at=now, postings=[
                                  (receivable(store), advance.total_due, advance.currency),
                                  (payable(store), -advance.principal, advance.currency),
                                  *([(unearned(store), -advance.fee, advance.currency)] if advance.fee else []),
                              ])
    # Remittances come from what the store sells from now on, not from what it had sold before.
    advance.withheld_through = _last_posting_id(session, payable(store), advance.currency) or entry.id


def _last_posting_id(session: Session, code: str, currency: str) -> int | None:
    return session.scalar(select(func.max(Posting.id)).join(LedgerAccount, LedgerAccount.id == Posting.account_id)
                          .where(LedgerAccount.code == code, LedgerAccount.currency == currency))


def _lock_advance(session: Session, advance_id: int) -> Advance:
    advance = session.scalar(select(Advance).where(Advance.id == advance_id).with_for_update()
                             .execution_options(populate_existing=True))
    if advance is None:
        raise NotFound()
    return advance


def decide(session: Session, actor: Actor, advance_id: int, *, approve: bool, reason: str) -> Advance:
    """A person's decision on an advance in review (platform admins). Commits."""
    require(actor, Permission.FINANCING_ADMIN)
    community_id = session.scalar(select(Advance.community_id).where(Advance.id == advance_id))
    if community_id is None:
        raise NotFound()
    _lock_community(session, community_id)
    advance = _lock_advance(session, advance_id)
    if advance.status != AdvanceStatus.IN_REVIEW:
        raise Conflict(_l("This advance is not waiting for a decision."))
    if approve:
        _approve(session, advance, by="person", reason=reason, user_id=actor.user_id)
    else:
        advance.status, advance.decided_by, advance.decided_by_user = AdvanceStatus.DECLINED, "person", actor.user_id
        advance.decision_reason, advance.decided_at, advance.closed_at = reason, utcnow(), utcnow()
    session.commit()
    return advance


# -- repayment ---------------------------------------------------------------------------------------


def _repay(session: Session, advance: Advance, amount: int, *, kind: str, key: str) -> Repayment:
    """Moves `amount` from the store's payable to the advance (and its share of the fee to revenue)."""
    store, currency = advance.store_id, advance.currency
    part = terms.fee_part(advance.fee, advance.total_due, advance.repaid, amount)
    entry = ledger.post_entry(session, key=key, description=f"Advance {advance.id} {kind}", postings=[
        (payable(store), amount, currency), (receivable(store), -amount, currency),
        *([(unearned(store), part, currency), (FEES, -part, currency)] if part else []),
    ])
    advance.repaid += amount
    advance.fee_earned += part
    repayment = Repayment(advance_id=advance.id, kind=kind, amount=amount, fee_part=part, entry_id=entry.id)
    session.add(repayment)
    if advance.repaid == advance.total_due:
        advance.status, advance.closed_at, advance.days_past_due = AdvanceStatus.REPAID, utcnow(), 0
    return repayment


def _outstanding_advance(session: Session, store_id: int, currency: str, *, lock: bool) -> Advance | None:
    query = select(Advance).where(Advance.store_id == store_id, Advance.currency == currency,
                                  Advance.status.in_(OUTSTANDING_STATUSES))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


class Withholding:
    """Settlement's withholder (payments.settlement.Withholder): of the store's net sales credited since
    the last settlement, the advance's remittance share goes to repaying it."""

    def accounts(self, session: Session, payee: str, currency: str) -> list[str]:
        if not payee.startswith("store:"):
            return []
        store_id = int(payee.removeprefix("store:"))
        if _outstanding_advance(session, store_id, currency, lock=True) is None:
            return []
        return [receivable(store_id), unearned(store_id), FEES]

    def withhold(self, session: Session, payee: str, account: LedgerAccount) -> None:
        if not payee.startswith("store:"):
            return
        advance = _outstanding_advance(session, int(payee.removeprefix("store:")), account.currency, lock=False)
        if advance is None:
            return
        since = advance.withheld_through
        rows = session.execute(
            select(Posting.id, Posting.amount, JournalEntry.key)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(Posting.account_id == account.id, Posting.id > since)
        ).all()
        if not rows:
            return
        # Sales less refunds and commission since the last remittance; payouts and the advance's own
        # entries are not sales.
        base = -sum(amount for _id, amount, key in rows if not key.startswith(("payout:", "advance:")))
        last = max(posting_id for posting_id, _a, _k in rows)
        owed = -account.balance
        amount = min(terms.remittance(base, advance.remittance_bp, advance.total_due - advance.repaid), max(owed, 0))
        advance.withheld_through = last
        if amount > 0:
            _repay(session, advance, amount, kind=RepaymentKind.REMITTANCE, key=f"advance:remit:{advance.id}:{last}")


def repay_early(session: Session, actor: Actor, store_id: int, advance_id: int, *, amount: int | None) -> Advance:
    """The owner repays from what settlement owes the store (all that is outstanding by default).
    Commits. 422 when the store's balance does not cover it."""
    store_queries.require_store(session, actor, store_id, Permission.FINANCING_OWN)
    advance = _lock_advance(session, advance_id)
    if advance.store_id != store_id:
        raise NotFound()
    if advance.status not in OUTSTANDING_STATUSES:
        raise Conflict(_l("This advance has nothing outstanding."))
    outstanding = advance.total_due - advance.repaid
    amount = outstanding if amount is None else amount
    if not 1 <= amount <= outstanding:
        raise _invalid("amount", _l("Must be from 1 to %(max)d fen.", max=outstanding))
    codes = [payable(store_id), receivable(store_id), unearned(store_id), FEES]
    ids = [ledger.open_account(session, code, advance.currency) for code in codes]
    accounts = {a.id: a for a in ledger.lock_accounts(session, ids)}
    owed = -accounts[ids[0]].balance
    if owed < amount:
        raise _invalid("amount", _l("The store's balance (%(owed)d fen) does not cover it.", owed=max(owed, 0)))
    _repay(session, advance, amount, kind=RepaymentKind.EARLY, key=f"advance:early:{advance.id}:{advance.repaid}")
    session.commit()
    return advance


def write_off(session: Session, actor: Actor, advance_id: int, *, reason: str) -> Advance:
    """Writes off what a defaulted advance still owes (platform admins): the principal lost is an
    expense, the fee not earned is never revenue. Commits."""
    require(actor, Permission.FINANCING_ADMIN)
    advance = _lock_advance(session, advance_id)
    if advance.status != AdvanceStatus.DEFAULTED:
        raise Conflict(_l("Only a defaulted advance can be written off."))
    store, currency = advance.store_id, advance.currency
    outstanding = advance.total_due - advance.repaid
    fee_left = advance.fee - advance.fee_earned
    lost = outstanding - fee_left
    entry = ledger.post_entry(session, key=f"advance:write_off:{advance.id}",
                              description=f"Advance {advance.id} written off", postings=[
                                  *([(LOSSES, lost, currency)] if lost else []),
                                  *([(unearned(store), fee_left, currency)] if fee_left else []),
                                  (receivable(store), -outstanding, currency),
                              ])
    session.add(Repayment(advance_id=advance.id, kind=RepaymentKind.WRITE_OFF, amount=outstanding, fee_part=0,
                          entry_id=entry.id))
    advance.status, advance.closed_at, advance.decision_reason = AdvanceStatus.WRITTEN_OFF, utcnow(), reason
    session.commit()
    return advance


# -- delinquency -------------------------------------------------------------------------------------


def review_delinquency(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Moves each outstanding advance to active, late or defaulted by its days past due (defaulted
    stays defaulted until repaid or written off). Commits per advance."""
    now = now or utcnow()
    default_after = current_app.config["FINANCING_DEFAULT_AFTER_DAYS"]
    moved = {"late": 0, "defaulted": 0, "active": 0}
    ids = list(session.scalars(select(Advance.id).where(Advance.status.in_(OUTSTANDING_STATUSES))
                               .order_by(Advance.id)))
    for advance_id in ids:
        advance = _lock_advance(session, advance_id)
        if advance.status not in OUTSTANDING_STATUSES:
            session.rollback()
            continue
        dpd = terms.days_past_due(total_due=advance.total_due, repaid=advance.repaid, minimum=advance.min_repayment,
                                  period_days=advance.period_days, disbursed_at=advance.disbursed_at, now=now)
        advance.days_past_due = dpd
        advance.was_late = advance.was_late or dpd > 0
        status = (AdvanceStatus.DEFAULTED if dpd > default_after or advance.status == AdvanceStatus.DEFAULTED
                  else AdvanceStatus.LATE if dpd > 0 else AdvanceStatus.ACTIVE)
        if status != advance.status:
            moved[status.value] += 1
            advance.status = status
        session.commit()
    return moved


def refresh_open_offers(session: Session) -> int:
    """Recomputes every open offer older than a day from a fresh score (the nightly job). Commits."""
    store_ids = list(session.scalars(select(FinancingOffer.store_id).where(
        FinancingOffer.status == OfferStatus.OPEN).order_by(FinancingOffer.store_id)))
    for store_id in store_ids:
        refresh_offer(session, store_id)
    return len(store_ids)
