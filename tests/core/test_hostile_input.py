"""What cannot be stored or emitted is refused at the edge as a problem, never a 500: JSON too deep
or not Unicode is 400, a control character in a text field (JSON, query or form) is 422 naming it."""
import json
from urllib.parse import quote

import pytest

from core.edge import MAX_JSON_DEPTH
from tests.commerce.factories import CategoryFactory, store_serving
from tests.community.requests.factories import CategoryFactory as RequestCategoryFactory
from tests.conftest import bearer
from tests.factories import CommunityFactory, resident_of

# Refused in text: NUL, the rest of C0 but tab/LF/CR, DEL and C1.
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"]
# JSON escapes that decode to half a UTF-16 pair: not characters, and not encodable as UTF-8.
LONE_SURROGATES = ["\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\udc00\\ud800", "\\ud800x"]
JSON = "application/json"


@pytest.fixture
def world(connection):
    community = CommunityFactory()
    store, owner = store_serving(community)
    return {"community": community, "store": store, "owner": owner, "resident": resident_of(community),
            "product_category": CategoryFactory(), "leak": RequestCategoryFactory(community=community)}


def _text_fields(world):
    """(url, body with "@@" where the text goes, who, field) of a display name, a description and a product name."""
    c, s = world["community"].id, world["store"].id
    return {
        "display name": ("/api/auth/register", {"email": "new@example.cn", "password": "long-enough-1",
                                                "display_name": "a@@b"}, None, "display_name"),
        "description": (f"/api/communities/{c}/service-requests",
                        {"category_id": world["leak"].id, "description": "a@@b", "location": {"kind": "unit"}},
                        world["resident"], "description"),
        "product name": (f"/api/stores/{s}/products",
                         {"category_id": world["product_category"].id, "name": "a@@b",
                          "variants": [{"sku": "A", "name": "a", "price": 100}]}, world["owner"], "name"),
    }


def _post_raw(client, url, body_text, who=None):
    headers = bearer(who.id) if who else {}
    return client.post(url, data=body_text.encode(), content_type=JSON, headers=headers)


def _problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == code, response.json
    return response.json


def _nested(depth, *, kind="array"):
    opening, closing = ("[", "]") if kind == "array" else ('{"a":', "}")
    return opening * depth + "1" + closing * depth


@pytest.mark.parametrize("depth", [1000, 100, MAX_JSON_DEPTH + 1])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_json_nested_too_deep_is_400_before_authentication(client, connection, depth, kind):
    response = _post_raw(client, "/api/auth/token", _nested(depth, kind=kind))
    _problem(response, 400, "json_too_deep")


def test_json_as_deep_as_allowed_reaches_the_schema(client, connection):
    response = _post_raw(client, "/api/auth/token", '{"login": ' + _nested(MAX_JSON_DEPTH - 1) + ', "password": "x"}')
    assert set(_problem(response, 422, "validation_failed")["errors"]) == {"login"}


def test_a_wide_body_is_not_a_deep_one(client, connection):
    wide = json.dumps({"login": [[] for _ in range(3 * MAX_JSON_DEPTH)], "password": "x"})
    assert "login" in _problem(_post_raw(client, "/api/auth/token", wide), 422, "validation_failed")["errors"]


@pytest.mark.parametrize("login", ["[" * 40, '\\"{' * 40, "\\\\" + "[" * 40, '\\\\\\"[' * 40])
def test_brackets_inside_strings_are_not_nesting(client, connection, login):
    body = '{"login": "' + login + '", "password": "wrong-password"}'
    assert _post_raw(client, "/api/auth/token", body).status_code == 401


def test_depth_is_found_before_parsing_even_behind_an_unterminated_string(client, connection):
    # The parser would recurse through every bracket before it reached the error at the end.
    _problem(_post_raw(client, "/api/auth/token", "[" * 5000 + '"\\"'), 400, "json_too_deep")


@pytest.mark.parametrize("escape", LONE_SURROGATES)
@pytest.mark.parametrize("where", ["display name", "description", "product name"])
def test_lone_surrogate_escapes_in_text_are_400(client, world, where, escape):
    url, body, who, _field = _text_fields(world)[where]
    response = _post_raw(client, url, json.dumps(body).replace("@@", escape), who)
    _problem(response, 400, "invalid_unicode")


def test_a_lone_surrogate_in_a_key_or_a_list_is_400(client, world):
    url, body, who, _field = _text_fields(world)["product name"]
    in_key = json.dumps({**body, "images": []}).replace('"images"', '"\\ud800"')
    in_list = json.dumps({**body, "images": ["https://img.example.cn/@@.jpg"]}).replace("@@", "\\udfff")
    _problem(_post_raw(client, url, in_key, who), 400, "invalid_unicode")
    _problem(_post_raw(client, url, in_list, who), 400, "invalid_unicode")


def test_a_body_that_is_not_utf8_is_400(client, connection):
    response = client.post("/api/auth/token", data=b'{"login": "\xff\xfe", "password": "x"}', content_type=JSON)
    _problem(response, 400, "invalid_unicode")


def test_a_surrogate_pair_is_a_character_and_kept(client, world):
    url, body, who, _field = _text_fields(world)["display name"]
    response = _post_raw(client, url, json.dumps(body).replace("@@", "\\ud83c\\udfe1"), who)
    assert response.status_code == 201, response.json
    assert response.json["display_name"] == "a\U0001f3e1b"


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
@pytest.mark.parametrize("where", ["display name", "description", "product name"])
def test_control_characters_in_json_text_are_422_naming_the_field(client, world, where, char):
    url, body, who, field = _text_fields(world)[where]
    escaped = _post_raw(client, url, json.dumps(body).replace("@@", f"\\u{ord(char):04x}"), who)
    assert field in _problem(escaped, 422, "validation_failed")["errors"]
    if char >= "\x7f":  # DEL and C1 may also arrive unescaped
        raw = _post_raw(client, url, json.dumps(body, ensure_ascii=False).replace("@@", char), who)
        assert field in _problem(raw, 422, "validation_failed")["errors"]


def test_control_characters_are_named_where_they_are_nested(client, world):
    url, body, who, _field = _text_fields(world)["product name"]
    body = {**body, "name": "ok", "variants": [{"sku": "A", "name": "a", "price": 1},
                                               {"sku": "B", "name": "b\u0000", "price": 1}]}
    errors = _problem(_post_raw(client, url, json.dumps(body), who), 422, "validation_failed")["errors"]
    assert set(errors) == {"variants"} and set(errors["variants"]) == {"1"} and errors["variants"]["1"]["name"]


def test_control_characters_in_a_key_name_the_key(client, world):
    url, body, who, _field = _text_fields(world)["description"]
    body = {**body, "description": "漏水", "answers": {"room\u0001": "kitchen"}}
    errors = _problem(_post_raw(client, url, json.dumps(body), who), 422, "validation_failed")["errors"]
    assert "room\u0001" in errors["answers"]


def test_control_character_messages_are_in_the_readers_language(client, world):
    url, body, _who, field = _text_fields(world)["display name"]
    text = json.dumps(body).replace("@@", "\\u0000")
    english = client.post(url, data=text, content_type=JSON, headers={"Accept-Language": "en"}).json
    chinese = client.post(url, data=text, content_type=JSON).json
    assert english["errors"][field] == ["Control characters are not allowed (tab and line breaks are)."]
    assert chinese["errors"][field] != english["errors"][field]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["errors"][field][0])


@pytest.mark.parametrize("where", ["display name", "description", "product name"])
def test_tabs_and_line_breaks_are_text(client, world, where):
    url, body, who, _field = _text_fields(world)[where]
    response = _post_raw(client, url, json.dumps(body).replace("@@", "\\t\\n\\r\\n"), who)
    assert response.status_code == 201, response.json


def test_malformed_and_empty_json_bodies_keep_their_answers(client, world):
    url, _body, who, _field = _text_fields(world)["product name"]
    _problem(_post_raw(client, url, '{"name": ', who), 400, "malformed_json")
    assert _post_raw(client, url, "", who).status_code == 422  # no body: the required fields are missing


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_control_characters_in_a_query_string_are_422_naming_the_parameter(client, world, char):
    url = f"/api/communities/{world['community'].id}/products"
    response = client.get(f"{url}?q=a{quote(char)}b", headers=bearer(world["resident"].id))
    assert "q" in _problem(response, 422, "validation_failed")["errors"]


def test_a_control_character_in_a_parameter_name_is_refused_too(client, world):
    url = f"/api/communities/{world['community'].id}/products"
    response = client.get(f"{url}?page=1&q%00=x", headers=bearer(world["resident"].id))
    assert "q\x00" in _problem(response, 422, "validation_failed")["errors"]


def test_a_tab_in_a_query_string_is_text(client, world):
    url = f"/api/communities/{world['community'].id}/products"
    assert client.get(f"{url}?q=a%09b", headers=bearer(world["resident"].id)).status_code == 200


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x85"], ids=["NUL", "ESC", "NEL"])
def test_control_characters_in_a_form_body_are_422_naming_the_field(client, connection, char):
    response = client.post("/api/auth/token", data={"login": f"a{char}b", "password": "x"})
    assert "login" in _problem(response, 422, "validation_failed")["errors"]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x7f", "\x85"], ids=["NUL", "SOH", "DEL", "NEL"])
def test_control_characters_in_a_path_segment_name_no_resource(client, world, char):
    response = client.put(f"/api/me/notification-preferences/a{quote(char)}b", json={"in_app": True, "push": True},
                          headers=bearer(world["resident"].id))
    _problem(response, 404, "not_found")


@pytest.mark.parametrize("name", ["Idempotency-Key", "Accept-Language", "X-Request-ID", "Authorization"])
@pytest.mark.parametrize("char", ["\x00", "\x01", "\x7f", "\x85", "\xff"], ids=["NUL", "SOH", "DEL", "NEL", "ÿ"])
def test_control_characters_in_headers_the_app_reads_are_never_a_500(client, world, name, char):
    url, body, who, _field = _text_fields(world)["product name"]
    headers = {**bearer(who.id), name: f"a{char}b"} if name != "Authorization" else {name: f"Bearer a{char}b"}
    response = client.post(url, json={**body, "name": "梨"}, headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.content_type in ("application/json", "application/problem+json")
    assert "\x00" not in response.headers.get("X-Request-ID", "")
