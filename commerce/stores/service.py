"""Use cases of stores: opening one, its staff, applying to communities, decisions, suspension.

Each commits once; each checks policy first.
"""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.catalog.models import Category
from commerce.errors import (
    AlreadyApplied,
    AlreadyStoreStaff,
    ApplicationNotPending,
    LastOwner,
    NotServing,
    UnknownCategory,
    UnknownUser,
)
from commerce.policy import Permission
from commerce.stores import queries
from commerce.stores.models import ServiceStatus, Store, StoreCommunity, StoreHours, StoreStaff, StoreStatus
from community.models import Community
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from core.auth import Actor
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.models import utcnow
from core.policy import require
from identity.service import find_user_by_login
from payments import service as payments

kinds.register(
    "store.application_received",
    title=N_("%(store)s applied to serve %(community)s"),
    body=N_("A store applied to sell to your residents: %(store)s. Approve or reject it."),
)
kinds.register(
    "store.application_approved",
    title=N_("%(store)s may now sell in %(community)s"),
    body=N_("The managers of %(community)s approved your store; its published products are on sale there now."),
)
kinds.register(
    "store.application_rejected",
    title=N_("%(community)s did not approve %(store)s"),
    body=N_("Your application to serve %(community)s was rejected: %(reason)s"),
)
kinds.register(
    "store.suspended",
    title=N_("%(store)s was suspended"),
    body=N_("%(store)s no longer appears to residents of %(community)s: %(reason)s"),
)


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(errors={"timezone": [str(_l("Not an IANA time zone."))]}) from None


def _check_categories(session: Session, slugs: list[str]) -> None:
    known = set(session.scalars(select(Category.slug).where(Category.slug.in_(slugs))))
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise UnknownCategory(errors={"categories": [str(_l("Unknown category: %(slug)s", slug=unknown[0]))]})


def _hours(rows: list[dict]) -> list[StoreHours]:
    return [StoreHours(**row) for row in rows]


def create_store(session: Session, actor: Actor, *, opening_hours: list[dict], **fields: Any) -> Store:
    """Anyone opens a store and becomes its owner; it sells nowhere until a community approves it. Commits."""
    _check_timezone(fields.get("timezone", "Asia/Shanghai"))
    _check_categories(session, fields["categories"])
    store = Store(created_by=actor.user_id, status=StoreStatus.ACTIVE, **fields)
    store.opening_hours = _hours(opening_hours)
    session.add(store)
    # flush: the owner's account needs the store's id
    session.flush()
    session.add(StoreStaff(store_id=store.id, user_id=actor.user_id, role="owner", added_by=actor.user_id))
    session.commit()
    return store


def update_store(session: Session, actor: Actor, store_id: int, **fields: Any) -> Store:
    """The owner edits the store; `opening_hours`, when given, replaces the weekly hours. Commits."""
    store = queries.require_store(session, actor, store_id, Permission.STORE_UPDATE)
    if "timezone" in fields:
        _check_timezone(fields["timezone"])
    if "categories" in fields:
        _check_categories(session, fields["categories"])
    hours = fields.pop("opening_hours", None)
    if hours is not None:
        store.opening_hours = _hours(hours)
    for name, value in fields.items():
        setattr(store, name, value)
    session.commit()
    return store


def add_store_staff(session: Session, actor: Actor, store_id: int, *, login: str, role: str) -> StoreStaff:
    """The owner gives a user an account at the store, as owner or staff. Commits."""
    queries.require_store(session, actor, store_id, Permission.STORE_STAFF_MANAGE)
    user = find_user_by_login(session, login)
    if user is None:
        raise UnknownUser(errors={"login": [str(_l("No account has this login."))]})
    exists = select(StoreStaff.id).where(StoreStaff.store_id == store_id, StoreStaff.user_id == user.id)
    if session.scalar(exists) is not None:
        raise AlreadyStoreStaff()
    member = StoreStaff(store_id=store_id, user_id=user.id, role=role, added_by=actor.user_id)
    session.add(member)
    session.commit()
    return member


def remove_store_staff(session: Session, actor: Actor, store_id: int, staff_id: int) -> None:
    """The owner removes an account; the last owner stays. Commits."""
    _store, access = queries.get_own_store(session, actor, store_id)
    member = session.get(StoreStaff, staff_id)
    if member is None or member.store_id != store_id:
        raise NotFound()
    require(actor, Permission.STORE_STAFF_MANAGE, access)
    if member.role == "owner":
        # Locked: two owners removing each other at once must not leave the store ownerless.
        owners = session.scalars(
            select(StoreStaff.id).where(StoreStaff.store_id == store_id, StoreStaff.role == "owner").with_for_update()
        ).all()
        if len(owners) <= 1:
            raise LastOwner()
    session.delete(member)
    session.commit()


def apply_to_community(session: Session, actor: Actor, store_id: int, *, community_id: int,
                       message: str | None = None) -> StoreCommunity:
    """The owner asks a community's managers to let the store sell there. Commits; notifies the managers."""
    store = queries.require_store(session, actor, store_id, Permission.STORE_APPLY)
    community = session.get(Community, community_id)
    if community is None:
        raise InvalidInput(errors={"community_id": [str(_l("No community has this id."))]})
    live = select(StoreCommunity.id).where(
        StoreCommunity.store_id == store_id, StoreCommunity.community_id == community_id,
        StoreCommunity.status.in_([ServiceStatus.PENDING, ServiceStatus.APPROVED, ServiceStatus.SUSPENDED]),
    )
    if session.scalar(live) is not None:
        raise AlreadyApplied()
    application = StoreCommunity(store_id=store_id, community_id=community_id, message=message,
                                 status=ServiceStatus.PENDING)
    session.add(application)
    # flush: the notification names the application
    session.flush()
    notify(session, user_ids=queries.manager_ids(session, community_id), kind="store.application_received",
           params={"store": store.name, "community": community.name}, community_id=community_id,
           subject=("store_application", application.id), dedupe_key=f"store.application_received:{application.id}")
    session.commit()
    return application


def withdraw_application(session: Session, actor: Actor, store_id: int, application_id: int) -> StoreCommunity:
    """The owner withdraws a pending application, or stops serving a community. Commits."""
    _store, access = queries.get_own_store(session, actor, store_id)
    application = queries.get_store_application(session, store_id, application_id)
    require(actor, Permission.STORE_APPLY, access)
    if application.status not in (ServiceStatus.PENDING, ServiceStatus.APPROVED):
        raise ApplicationNotPending()
    application.status = ServiceStatus.WITHDRAWN
    session.commit()
    return application


def _decided(session: Session, actor: Actor, community_id: int, application_id: int, *,
             expected: tuple[str, ...]) -> StoreCommunity:
    application = queries.get_community_application(session, actor, community_id, application_id)
    application = session.scalar(
        select(StoreCommunity).where(StoreCommunity.id == application.id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if application.status not in expected:
        raise ApplicationNotPending() if ServiceStatus.PENDING in expected else NotServing()
    application.decided_by, application.decided_at = actor.user_id, utcnow()
    return application


def _tell_owners(session: Session, application: StoreCommunity, kind: str) -> None:
    community = session.get(Community, application.community_id)
    notify(
        session, user_ids=queries.owner_ids(session, application.store_id), kind=kind,
        params={"store": application.store.name, "community": community.name, "reason": application.reason or ""},
        community_id=application.community_id, subject=("store_application", application.id),
        dedupe_key=f"{kind}:{application.id}:{application.decided_at.isoformat()}",
    )


def approve_application(session: Session, actor: Actor, community_id: int, application_id: int) -> StoreCommunity:
    """A manager lets the store sell to the community. Commits; notifies the store's owners."""
    application = _decided(session, actor, community_id, application_id, expected=(ServiceStatus.PENDING,))
    application.status, application.reason = ServiceStatus.APPROVED, None
    _tell_owners(session, application, "store.application_approved")
    session.commit()
    return application


def reject_application(session: Session, actor: Actor, community_id: int, application_id: int, *,
                       reason: str) -> StoreCommunity:
    """Commits; notifies the store's owners with the reason."""
    application = _decided(session, actor, community_id, application_id, expected=(ServiceStatus.PENDING,))
    application.status, application.reason = ServiceStatus.REJECTED, reason
    _tell_owners(session, application, "store.application_rejected")
    session.commit()
    return application


def suspend_in_community(session: Session, actor: Actor, community_id: int, application_id: int, *,
                         reason: str) -> StoreCommunity:
    """A manager takes a store off the community at once (its catalog, carts and checkout).

    Commits; notifies the store's owners. Orders already paid go on.
    """
    application = _decided(session, actor, community_id, application_id, expected=(ServiceStatus.APPROVED,))
    application.status, application.reason = ServiceStatus.SUSPENDED, reason
    _tell_owners(session, application, "store.suspended")
    session.commit()
    return application


def reinstate_in_community(session: Session, actor: Actor, community_id: int, application_id: int) -> StoreCommunity:
    """Commits; notifies the store's owners."""
    application = _decided(session, actor, community_id, application_id, expected=(ServiceStatus.SUSPENDED,))
    application.status, application.reason = ServiceStatus.APPROVED, None
    _tell_owners(session, application, "store.application_approved")
    session.commit()
    return application


def set_store_status(session: Session, actor: Actor, store_id: int, *, suspended: bool,
                     reason: str | None = None) -> Store:
    """The platform suspends a store everywhere at once, or reinstates it. Commits."""
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound()
    require(actor, Permission.STORE_SUSPEND_EVERYWHERE)
    store.status = StoreStatus.SUSPENDED if suspended else StoreStatus.ACTIVE
    store.suspended_reason = reason if suspended else None
    session.commit()
    return store


def set_up_payout_account(session: Session, actor: Actor, store_id: int, *, return_url: str | None = None) -> dict:
    """The owner sets up where the store's payouts go: a Stripe Connect Express account and the link
    to finish onboarding. Commits. Calls Stripe (the fake Connect in test mode)."""
    store = queries.require_store(session, actor, store_id, Permission.STORE_SETTLEMENT_VIEW)
    status = payments.set_up_payout_account(session, payee=f"store:{store.id}", return_url=return_url)
    session.commit()
    return status
