"""Which changes make cached availability stale (core/cache.py): bookings, closures, an amenity's
rules and hours (`amenity:{id}`, or `AMENITIES` when the rows are unknown), and what the actor's
scopes cover (the household is the caller's approved residencies; the community's time zone)."""
from __future__ import annotations

from community.bookings.models import Amenity, Booking, Closure, OpeningHours
from core.auth import actor_deps
from core.cache import Cache

AMENITIES = "amenities"


def amenity_scope(amenity_id: int) -> str:
    return f"amenity:{amenity_id}"


def availability_deps(user_id: int, amenity_id: int) -> tuple[str, ...]:
    """An amenity's availability as one user sees it (their household's own bookings marked)."""
    return (*actor_deps(user_id), AMENITIES, amenity_scope(amenity_id))


def watch(cache: Cache) -> None:
    cache.watch(Amenity, lambda amenity, _change: [amenity_scope(amenity.id)], bulk=[AMENITIES])
    for model in (Booking, Closure, OpeningHours):
        cache.watch(model, lambda row, _change: [amenity_scope(row.amenity_id)], bulk=[AMENITIES])
