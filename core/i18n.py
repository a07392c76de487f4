"""Language of human-readable text: Simplified Chinese by default, English on request."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import Babel, gettext, lazy_gettext, ngettext

SUPPORTED_LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"

babel = Babel()

__all__ = ["babel", "gettext", "init_app", "lazy_gettext", "ngettext", "select_locale"]


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


def init_app(app: Flask) -> None:
    translations = Path(__file__).resolve().parent.parent / "translations"
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LOCALE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    babel.init_app(app, locale_selector=select_locale, default_timezone="UTC")
