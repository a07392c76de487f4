"""Language of human-readable text: Simplified Chinese by default, English on request.

A response whose text was chosen by the request's Accept-Language says so: `Content-Language`,
and `Vary: Accept-Language` for caches. Responses that translate nothing carry neither.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_babel import Babel, gettext, lazy_gettext, ngettext

SUPPORTED_LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
# The catalogue's Chinese is Simplified; Content-Language names the script.
CONTENT_LANGUAGES = {"zh": "zh-Hans", "en": "en"}
_CHOSEN = "linli_locale"
_READER_CHOICE = "linli_reader_locale"

babel = Babel()

__all__ = ["babel", "choose_locale", "field_messages", "gettext", "init_app", "lazy_gettext", "ngettext",
           "select_locale"]


def select_locale() -> str:
    """The reader's language; every translation asks here (through Babel), which is how a
    response knows that its text depends on Accept-Language."""
    if not has_request_context():
        return DEFAULT_LOCALE
    locale = g.get(_READER_CHOICE) or request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE
    setattr(g, _CHOSEN, locale)
    return locale


def choose_locale(locale: str | None) -> None:
    """The reader chose a language (the console's switch, kept in a cookie): it wins over
    Accept-Language for this request. Call before anything is translated."""
    if locale in SUPPORTED_LOCALES:
        setattr(g, _READER_CHOICE, locale)


def _say_which_language(response: Response) -> Response:
    # One attribute read on every response; two headers on those that were translated.
    locale = g.get(_CHOSEN)
    if locale is not None:
        response.headers["Content-Language"] = CONTENT_LANGUAGES[locale]
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    translations = Path(__file__).resolve().parent.parent / "translations"
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LOCALE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    babel.init_app(app, locale_selector=select_locale, default_timezone="UTC")
    app.after_request(_say_which_language)


def N_(msgid: str) -> str:
    """Marks a msgid for extraction without translating it here."""
    return msgid


# marshmallow's own per-field messages, as its fields, validators and schemas word them, so a
# 422's `errors` read in the reader's language too. Templates keep marshmallow's {placeholders}.
_FIELD_MESSAGES = (
    N_("Missing data for required field."), N_("Field may not be null."), N_("Unknown field."),
    N_("Invalid input type."), N_("Invalid value."), N_("Invalid input."), N_("Invalid type."),
    N_("Not a valid string."), N_("Not a valid integer."), N_("Not a valid number."), N_("Not a valid boolean."),
    N_("Not a valid datetime."), N_("Not a valid aware datetime."), N_("Not a valid date."),
    N_("Not a valid time."), N_("Not a valid list."), N_("Not a valid mapping type."), N_("Not a valid tuple."),
    N_("Not a valid email address."), N_("Not a valid URL."), N_("Not a valid UUID."), N_("Number too large."),
    N_("Not a valid utf-8 string."), N_("String does not match expected pattern."),
    N_("Special numeric values (nan or infinity) are not permitted."),
)
_FIELD_TEMPLATES = (
    N_("Shorter than minimum length {min}."), N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."), N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be greater than or equal to {min}."), N_("Must be less than or equal to {max}."),
    N_("Must be greater than {min}."), N_("Must be less than {max}."),
    N_("Must be one of: {choices}."), N_("Must be equal to {other}."),
)


def _pattern(template: str) -> re.Pattern[str]:
    """The template as a regex: numbers are one word, lists of choices may hold spaces."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        else:
            value = r".+?" if part in ("choices", "other") else r"\S+"
            regex += f"(?P<{part}>{value})"
    return re.compile(regex + "$")


_TEMPLATE_PATTERNS = [(t, _pattern(t)) for t in _FIELD_TEMPLATES]


def field_messages(errors: Any) -> Any:
    """Per-field messages in the reader's language (those the catalogue knows; others unchanged)."""
    if isinstance(errors, dict):
        return {key: field_messages(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [field_messages(value) for value in errors]
    if not isinstance(errors, str) or select_locale() == "en":
        return errors
    if errors in _FIELD_MESSAGES:
        return gettext(errors)
    for template, pattern in _TEMPLATE_PATTERNS:
        match = pattern.match(errors)
        if match:
            return gettext(template).format(**match.groupdict())
    return errors
