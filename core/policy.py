"""Permissions as `domain:resource:action` names and the one `require` every service calls."""
from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from core.auth import Actor
from core.errors import Forbidden

Rule = Callable[[Actor, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(*permissions: StrEnum) -> Callable[[Rule], Rule]:
    """Registers the function that decides `permissions` (each domain's policy.py)."""

    def decorator(func: Rule) -> Rule:
        for permission in permissions:
            if str(permission) in _RULES:
                raise RuntimeError(f"permission {permission} has two rules")
            _RULES[str(permission)] = func
        return func

    return decorator


def allows(actor: Actor, permission: StrEnum, obj: Any = None) -> bool:
    if actor.is_platform_admin:
        return True
    try:
        decide = _RULES[str(permission)]
    except KeyError:
        raise RuntimeError(f"permission {permission} has no rule") from None
    return bool(decide(actor, obj))


def require(actor: Actor, permission: StrEnum, obj: Any = None) -> None:
    if not allows(actor, permission, obj):
        raise Forbidden(permission=str(permission))
