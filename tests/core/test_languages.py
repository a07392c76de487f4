"""Translated responses say their language and that they vary with Accept-Language."""


def test_a_translated_problem_names_its_language_and_varies_with_accept_language(client):
    chinese = client.get("/api/me")
    assert chinese.status_code == 401 and chinese.json["title"] == "需要登录"
    assert chinese.headers["Content-Language"] == "zh-Hans"
    assert "Accept-Language" in chinese.vary

    english = client.get("/api/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.json["title"] == "Authentication is required"
    assert english.headers["Content-Language"] == "en"
    assert "Accept-Language" in english.vary


def test_per_field_messages_count_as_translated_text(client):
    response = client.post("/api/auth/token", json={"login": 5}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.headers["Content-Language"] == "en" and "Accept-Language" in response.vary


def test_a_response_with_nothing_translated_says_no_language(client):
    response = client.get("/healthz", headers={"Accept-Language": "en"})
    assert "Content-Language" not in response.headers
    assert "Accept-Language" not in response.vary
