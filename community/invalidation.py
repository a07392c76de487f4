"""Which changes of users, communities, places and memberships make cached reads stale (core/cache.py).

Scopes: `actor:{user}` (a user's account, memberships and residencies: their actor and their
`/api/me`), `ACTORS` (everyone's, for changes whose users are unknown), `COMMUNITIES` (any
community: a rename shows in profiles, a deletion cascades to everything in it), `places:{id}`
(a community's buildings and units: its directory), `PLACES` (units as shown inside residencies,
anywhere), `PEOPLE` (names and contacts as shown to managers), `residencies:{id}` and `RESIDENCIES`
(a community's claims, as its managers list them).
"""
from __future__ import annotations

from typing import Any

from community.models import Building, Community, Residency, StaffMember, Unit
from core.auth import ACTORS, COMMUNITIES, actor_deps, actor_scope
from core.cache import INSERT, Cache
from identity.models import User

PLACES, PEOPLE, RESIDENCIES = "places", "people", "residencies"


def places_scope(community_id: int) -> str:
    return f"places:{community_id}"


def residencies_scope(community_id: int) -> str:
    return f"residencies:{community_id}"


def profile_deps(user_id: int) -> tuple[str, ...]:
    """`GET /api/me`: the account, memberships (community names too) and residencies (units too)."""
    return (*actor_deps(user_id), PLACES)


def directory_deps(community_id: int) -> tuple[str, ...]:
    """A community's buildings and units as its directory lists them."""
    return COMMUNITIES, PLACES, places_scope(community_id)


def residencies_deps(community_id: int) -> tuple[str, ...]:
    """A community's residency claims as listed, with their units and residents."""
    return COMMUNITIES, PLACES, PEOPLE, RESIDENCIES, residencies_scope(community_id)


def _user(user: Any, change: str) -> list[str]:
    # A new account is in no list yet; an edited one may be shown in many.
    return [actor_scope(user.id)] if change == INSERT else [actor_scope(user.id), PEOPLE]


def _place(place: Any, change: str) -> list[str]:
    # A new unit or building only adds to its community's directory; an edited or removed one
    # may be shown in residencies anywhere (a building's units go with it, by cascade).
    return [places_scope(place.community_id)] if change == INSERT else [places_scope(place.community_id), PLACES]


def _residency(residency: Any, _change: str) -> list[str]:
    return [actor_scope(residency.user_id), residencies_scope(residency.community_id)]


def _staff_member(member: Any, _change: str) -> list[str]:
    return [actor_scope(member.user_id)]


def watch(cache: Cache) -> None:
    cache.watch(User, _user, bulk=[ACTORS, PEOPLE])
    cache.watch(Community, lambda _c, _change: [COMMUNITIES], bulk=[COMMUNITIES])
    cache.watch(Building, _place, bulk=[PLACES])
    cache.watch(Unit, _place, bulk=[PLACES])
    cache.watch(Residency, _residency, bulk=[ACTORS, RESIDENCIES])
    cache.watch(StaffMember, _staff_member, bulk=[ACTORS])
