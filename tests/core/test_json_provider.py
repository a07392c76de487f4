"""Responses' JSON: orjson writes what Flask's own provider would, byte for byte where JSON allows."""
import dataclasses
import decimal
import json
import uuid
from datetime import UTC, date, datetime

from flask import Flask, jsonify

from core import json_provider
from core.i18n import lazy_gettext


@dataclasses.dataclass
class Point:
    x: int
    y: int


def _both(value):
    flask_app, ours = Flask("flask"), Flask("ours")
    json_provider.init_app(ours)
    with flask_app.app_context():
        expected = jsonify(value).get_data()
    with ours.app_context():
        got = jsonify(value).get_data()
    return expected, got


def test_writes_the_same_document_as_flasks_provider():
    value = {"b": [1, 2.5, None, True], "a": {"z": "x", "y": date(2024, 5, 1)},
             "when": datetime(2024, 5, 1, 8, 30, tzinfo=UTC), "id": uuid.UUID(int=7),
             "price": decimal.Decimal("1.10"), "point": Point(1, 2)}
    expected, got = _both(value)
    assert json.loads(got) == json.loads(expected)
    assert got == expected  # ASCII only: the very same bytes, keys sorted, compact, newline-ended


def test_writes_text_as_utf_8_and_big_integers_through_the_standard_library():
    expected, got = _both({"name": "苹果", "big": 2**70, "lists": {0: "a", 1: "b"}})
    assert json.loads(got) == json.loads(expected) == {"name": "苹果", "big": 2**70, "lists": {"0": "a", "1": "b"}}
    assert "苹果".encode() in got


def test_writes_lazy_translations_as_their_text(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert app.json.dumps({"title": lazy_gettext("Not Found")}) == '{"title":"Not Found"}'
        assert isinstance(app.json, json_provider.OrjsonProvider)
