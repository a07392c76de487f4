"""The kinds of notification and their texts, rendered in the reader's language when read."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from core.i18n import N_  # noqa: F401 - domains mark their kinds' texts with it, from here


@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # an English msgid marked with N_; %(param)s placeholders come from the params
    body: str
    mandatory: bool = False  # cannot be switched off in-app (emergencies, security)
    translated: tuple[str, ...] = ()  # params that hold msgids (N_), shown in the reader's language


_KINDS: dict[str, Kind] = {}


def register(name: str, *, title: str, body: str, mandatory: bool = False, translated: tuple[str, ...] = ()) -> Kind:
    """Each domain registers its kinds at import; a name is registered once."""
    if name in _KINDS:
        raise RuntimeError(f"notification kind {name} registered twice")
    kind = _KINDS[name] = Kind(name, title, body, mandatory, translated)
    return kind


def get(name: str) -> Kind:
    return _KINDS[name]


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def render(name: str, params: dict[str, Any]) -> tuple[str, str]:
    """(title, body) in the current request's language; unknown params render as empty."""
    kind = _KINDS.get(name)
    if kind is None:
        return name, ""
    safe = _Defaulting(params or {})
    for param in kind.translated:
        if isinstance(safe.get(param), str):
            safe[param] = gettext(safe[param])
    return gettext(kind.title) % safe, gettext(kind.body) % safe


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return ""
