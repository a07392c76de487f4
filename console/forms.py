"""Form fields read through the API's own request schemas, so a form is refused for exactly the
reasons the API refuses the same JSON, with the same per-field messages (a 422 on the page).

A browser sends text: a number or a yes/no field is converted first, as JSON would carry it, and
text that is not one stays text for the schema to refuse. An empty field is a missing one.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from core.errors import InvalidInput
from core.i18n import field_messages

_TRUE, _FALSE = {"1", "true", "on", "yes"}, {"0", "false", "off", "no"}


def _value(field: ma.fields.Field, text: str) -> Any:
    if isinstance(field, ma.fields.Integer):
        try:
            return int(text)
        except ValueError:
            return text
    if isinstance(field, ma.fields.Boolean):
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    return text


def values(schema: ma.Schema, form: MultiDict) -> dict[str, Any]:
    """The JSON a client would send for these form fields."""
    data: dict[str, Any] = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if isinstance(field, ma.fields.List):
            items = [text for text in form.getlist(key) if text != ""]
            if items:
                data[key] = [_value(field.inner, text) for text in items]
            continue
        text = form.get(key)
        if text is not None and text.strip() != "":
            data[key] = _value(field, text.strip() if not isinstance(field, ma.fields.String) else text)
    return data


def load(schema: ma.Schema, form: MultiDict | dict, **extra: Any) -> dict[str, Any]:
    """The schema's load of the form (and `extra` values the page adds), or InvalidInput (422)."""
    data = {**values(schema, form if isinstance(form, MultiDict) else MultiDict(form)), **extra}
    try:
        return schema.load(data)
    except ma.ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise InvalidInput(errors=field_messages(messages)) from None


def day(text: str | None) -> date | None:
    """A YYYY-MM-DD from a query string, or None when absent or not a date."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
