"""Problems as the console shows them: a DomainError's status, title and detail as a message on
the page, and a 422's per-field errors next to each field."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import g, render_template

from console import nav
from core.db import db
from core.errors import DomainError
from core.i18n import field_messages


def _messages(value: Any) -> list[str]:
    """Every message under a field (marshmallow nests them under list indexes and subfields)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _messages(item)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


@dataclass(frozen=True)
class Problem:
    status: int
    title: str
    detail: str | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, error: DomainError) -> Problem:
        errors = field_messages(error.errors or {})
        return cls(error.status, str(error.title), str(error.detail) if error.detail is not None else None,
                   {str(name): _messages(value) for name, value in errors.items()})

    def on(self, name: str) -> list[str]:
        return self.errors.get(name, [])


def render_page(template: str, **context: Any) -> str:
    """A console page: the template with the signed-in actor's navigation."""
    actor = g.get("console_actor")
    context.setdefault("problem", None)
    return render_template(template, actor=actor, nav=nav.links(db.session, actor) if actor else None, **context)


def shows_problems(page: Callable[..., Any]):
    """A form's POST view: a DomainError re-renders `page` (the form's GET view, called with the same
    path arguments) with the problem, the status, and what was typed still in the fields."""

    def decorator(view: Callable[..., Any]):
        @functools.wraps(view)
        def wrapped(**kwargs: Any):
            try:
                return view(**kwargs)
            except DomainError as error:
                db.session.rollback()
                return page(problem=Problem.of(error), **kwargs), error.status

        return wrapped

    return decorator
