"""Anything a client can send gets a clear 4xx problem, never a 500."""
import pytest

from tests.conftest import bearer
from tests.factories import UserFactory


@pytest.fixture
def headers(connection):
    return bearer(UserFactory(platform_role="admin").id)


def _is_problem(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["type"].startswith("urn:linli:problem:") and body["title"]
    if code:
        assert body["code"] == code


def test_malformed_json_is_400(client, headers):
    response = client.post("/api/communities", data='{"slug": "x",', content_type="application/json",
                           headers=headers)
    _is_problem(response, 400, "malformed_json")


def test_a_json_array_where_an_object_belongs_is_422(client, headers):
    _is_problem(client.post("/api/communities", json=[1, 2], headers=headers), 422, "validation_failed")


def test_unknown_fields_are_rejected_by_name(client, headers):
    response = client.post("/api/communities", json={"slug": "ok", "name": "n", "address": "a", "owner_id": 1},
                           headers=headers)
    _is_problem(response, 422)
    assert "owner_id" in response.json["errors"]


def test_body_over_the_limit_is_413(client, headers):
    big = '{"slug": "' + "x" * (1024 * 1024 + 10) + '"}'
    response = client.post("/api/communities", data=big, content_type="application/json", headers=headers)
    _is_problem(response, 413, "payload_too_large")


def test_unknown_route_is_404_and_wrong_method_is_405(client, headers):
    _is_problem(client.get("/api/nothing-here", headers=headers), 404, "not_found")
    response = client.put("/api/me", headers=headers)
    _is_problem(response, 405, "method_not_allowed")


@pytest.mark.parametrize("value", ["-1", "99999999999999999999999", "1.5", "%00", "' OR 1=1 --"])
def test_odd_path_values_are_404_not_500(client, headers, value):
    response = client.get(f"/api/communities/{value}", headers=headers)
    assert response.status_code == 404


def test_huge_integers_in_bodies_are_rejected_or_not_found(client, headers):
    response = client.post("/api/communities/1/residencies", json={"unit_id": 2**70, "relation": "owner"},
                           headers=headers)
    assert response.status_code in (404, 422)


def test_wrong_types_are_422_per_field(client, headers):
    response = client.post("/api/communities", json={"slug": 5, "name": None, "address": ["a"]}, headers=headers)
    _is_problem(response, 422)
    assert set(response.json["errors"]) == {"slug", "name", "address"}


def test_problem_text_is_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/api/me")
    english = client.get("/api/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert chinese.json["code"] == english.json["code"] == "unauthenticated"
    assert english.json["title"] == "Authentication is required"
    assert chinese.json["title"] != english.json["title"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.json["title"])


def test_per_field_messages_are_chinese_by_default_and_english_on_request(client, headers):
    body = {"slug": 5, "address": "x" * 300}
    chinese = client.post("/api/communities", json=body, headers=headers).json["errors"]
    english = client.post("/api/communities", json=body, headers={**headers, "Accept-Language": "en"}).json["errors"]

    assert english["name"] == ["Missing data for required field."]
    assert english["slug"] == ["Not a valid string."]
    assert english["address"] == ["Length must be between 1 and 255."]
    assert chinese["name"] == ["缺少必填字段。"] and chinese["slug"] == ["不是有效的字符串。"]
    assert chinese["address"] == ["长度必须在 1 到 255 之间。"]
