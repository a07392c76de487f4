"""Use cases of Open311 API keys: a manager issues one to a city system (its value shown once, only its
hash kept) and revokes it. Each commits once."""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from community.open311.errors import KeyAlreadyRevoked
from community.open311.models import Open311Key
from community.open311.policy import Permission
from community.open311.queries import digest_key
from community.queries import get_community, require_member
from core.auth import Actor
from core.errors import NotFound
from core.models import utcnow
from core.policy import require


def issue_key(session: Session, actor: Actor, community_id: int, *, name: str) -> Open311Key:
    """A manager issues an API key for a city system; its value is shown once. Commits."""
    get_community(session, community_id)
    require_member(actor, community_id)
    require(actor, Permission.KEY_MANAGE, community_id)
    raw = "o311_" + secrets.token_urlsafe(24)
    key = Open311Key(community_id=community_id, name=name, key_hash=digest_key(raw), prefix=raw[:8],
                     created_by=actor.user_id)
    session.add(key)
    session.commit()
    key.key = raw
    return key


def revoke_key(session: Session, actor: Actor, community_id: int, key_id: int) -> None:
    """Commits; the key stops working at once."""
    require_member(actor, community_id)
    key = session.get(Open311Key, key_id)
    if key is None or key.community_id != community_id:
        raise NotFound()
    require(actor, Permission.KEY_MANAGE, community_id)
    if key.revoked_at is not None:
        raise KeyAlreadyRevoked()
    key.revoked_at = utcnow()
    session.commit()
