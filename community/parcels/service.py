"""Use cases of parcels: staff log arrivals and hand parcels over against the household's pickup code."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from community import queries as community_queries
from community.notifications import kinds
from community.notifications.kinds import N_
from community.notifications.service import notify
from community.parcels import queries
from community.parcels.errors import AlreadyCollected, AlreadyLogged, CodeUnavailable, UnknownPickupCode
from community.parcels.models import Parcel
from community.parcels.policy import Permission
from core.auth import Actor
from core.models import utcnow
from core.policy import require

CODE_REST = timedelta(days=30)

kinds.register(
    "parcel.arrived",
    title=N_("A parcel has arrived for you"),
    body=N_("Your %(carrier)s parcel (%(tracking)s) is waiting. Pickup code: %(code)s"),
)
kinds.register(
    "parcel.reminder",
    title=N_("Your parcel is still waiting"),
    body=N_("Your %(carrier)s parcel (%(tracking)s) has waited %(days)s days. Pickup code: %(code)s"),
)
kinds.register(
    "parcel.collected",
    title=N_("Your parcel was collected"),
    body=N_("Your %(carrier)s parcel (%(tracking)s) was collected by %(collector)s."),
)
kinds.register(
    "parcel.uncollected",
    title=N_("Uncollected parcels"),
    body=N_("%(count)s parcels have waited more than %(days)s days to be collected."),
)


def _new_pickup_code(session: Session, community_id: int, now: datetime) -> str:
    # A code lately spent is not handed out again, so that someone repeating an old code hears
    # "already collected" rather than being given a neighbour's new parcel.
    rested = now - CODE_REST
    for _ in range(10):
        code = f"{secrets.randbelow(1_000_000):06d}"
        taken = select(Parcel.id).where(
            Parcel.community_id == community_id, Parcel.pickup_code == code,
            or_(Parcel.collected_at.is_(None), Parcel.collected_at > rested),
        )
        if session.scalar(taken.limit(1)) is None:
            return code
    raise CodeUnavailable()


def log_parcel(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    unit_id: int,
    carrier: str,
    tracking_number: str,
    shelf: str | None = None,
) -> Parcel:
    """Staff log a parcel that arrived for a unit.

    Commits; notifies every resident of the unit with the pickup code.
    """
    community_queries.require_member(actor, community_id)
    unit = community_queries.get_unit(session, community_id, unit_id)
    require(actor, Permission.PARCEL_LOG, community_id)
    waiting = select(Parcel.id).where(
        Parcel.community_id == community_id, Parcel.carrier == carrier,
        Parcel.tracking_number == tracking_number, Parcel.collected_at.is_(None),
    )
    if session.scalar(waiting) is not None:
        raise AlreadyLogged()
    now = utcnow()
    parcel = Parcel(
        community_id=community_id, unit_id=unit.id, carrier=carrier, tracking_number=tracking_number, shelf=shelf,
        pickup_code=_new_pickup_code(session, community_id, now), logged_by=actor.user_id, arrived_at=now,
    )
    session.add(parcel)
    # flush: the notification names the parcel by its id
    session.flush()
    notify(
        session, user_ids=list(session.scalars(queries.household_of(unit.id))), kind="parcel.arrived",
        params=_params(parcel), community_id=community_id, subject=("parcel", parcel.id),
        dedupe_key=f"parcel.arrived:{parcel.id}",
    )
    session.commit()
    return parcel


def _params(parcel: Parcel) -> dict:
    return {"carrier": parcel.carrier, "tracking": parcel.tracking_number, "code": parcel.pickup_code}


def hand_over_parcel(
    session: Session,
    actor: Actor,
    community_id: int,
    *,
    pickup_code: str,
    collector_name: str,
    now: datetime | None = None,
) -> Parcel:
    """Staff hand a waiting parcel to whoever gives its pickup code, and record who took it.

    Commits; the code is spent; tells the household who took it.
    """
    community_queries.require_member(actor, community_id)
    require(actor, Permission.PARCEL_HAND_OVER, community_id)
    # Row lock: of simultaneous hand-overs with one code, the first takes the parcel and the
    # others, once it commits, no longer find it waiting.
    parcel = session.scalar(
        select(Parcel)
        .where(Parcel.community_id == community_id, Parcel.pickup_code == pickup_code, Parcel.collected_at.is_(None))
        .with_for_update(of=Parcel)
        .execution_options(populate_existing=True)
    )
    if parcel is None:
        collected = select(Parcel.id).where(
            Parcel.community_id == community_id, Parcel.pickup_code == pickup_code, Parcel.collected_at.is_not(None)
        )
        if session.scalar(collected.limit(1)) is not None:
            raise AlreadyCollected()
        raise UnknownPickupCode()
    parcel.collected_at = now or utcnow()
    parcel.collector_name = collector_name
    parcel.handed_over_by = actor.user_id
    notify(
        session, user_ids=list(session.scalars(queries.household_of(parcel.unit_id))), kind="parcel.collected",
        params={**_params(parcel), "collector": collector_name}, community_id=community_id,
        subject=("parcel", parcel.id), dedupe_key=f"parcel.collected:{parcel.id}",
    )
    session.commit()
    return parcel


def remind(session: Session, parcel: Parcel, *, days: int, local_day: date) -> None:
    """Reminds the household of a waiting parcel, once per local day (the caller commits)."""
    notify(
        session, user_ids=list(session.scalars(queries.household_of(parcel.unit_id))), kind="parcel.reminder",
        params={**_params(parcel), "days": days}, community_id=parcel.community_id,
        subject=("parcel", parcel.id), dedupe_key=f"parcel.reminder:{parcel.id}:{local_day.isoformat()}",
    )
    parcel.reminded_on = local_day


def report_uncollected(session: Session, community_id: int, *, count: int, local_day: str) -> None:
    """Tells the community's managers how many parcels wait too long, once per local day (the caller commits)."""
    notify(
        session, user_ids=list(session.scalars(queries.managers_of(community_id))), kind="parcel.uncollected",
        params={"count": count, "days": queries.UNCOLLECTED_AFTER_DAYS}, community_id=community_id,
        subject=None, dedupe_key=f"parcel.uncollected:{community_id}:{local_day}",
    )
