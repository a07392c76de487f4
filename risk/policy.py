"""Who may see and do what in risk: a store's owner its own credit and financing; platform admins the rest."""
from __future__ import annotations

from enum import StrEnum

from commerce.policy import StoreAccess
from core.auth import Actor
from core.policy import rule


class Permission(StrEnum):
    FINANCING_OWN = "risk:financing:own"  # the store's score, reasons, offers and advances; accepting
    FINANCING_ADMIN = "risk:financing:admin"  # the portfolio, the review queue, decisions, write-offs


@rule(Permission.FINANCING_OWN)
def _owner(actor: Actor, access: StoreAccess) -> bool:
    return access.role == "owner"


@rule(Permission.FINANCING_ADMIN)
def _platform_only(actor: Actor, _obj) -> bool:
    return False  # platform admins pass before any rule
