"""Demo data of Open311: the API key `demo-open311-key` of the community `demo` (stored hashed, like any key)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from community.models import Community
from community.open311.models import Open311Key
from community.open311.queries import digest_key

DEMO_OPEN311_KEY = "demo-open311-key"  # the documented demo key (ARCHITECTURE.md)


def seed_demo(session: Session) -> None:
    community = session.scalar(select(Community).where(Community.slug == "demo"))
    if community is None:
        return
    digest = digest_key(DEMO_OPEN311_KEY)
    if session.scalar(select(Open311Key.id).where(Open311Key.key_hash == digest)) is None:
        session.add(Open311Key(community_id=community.id, name="12345 市民热线 (demo)", key_hash=digest,
                               prefix=DEMO_OPEN311_KEY[:8]))
        session.commit()
