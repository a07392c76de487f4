"""Registration, login, refresh rotation with reuse detection, logout, and login rate limits; with
Redis unreachable too."""
import jwt
import pytest
from rq import SimpleWorker

from app import create_app
from core.auth import _revoked, revoke_login
from core.db import db
from core.jobs import jobs
from tests.conftest import SECRET, bearer, migrated_sqlite
from tests.factories import PASSWORD, UserFactory
from tests.identity.test_refresh_reuse import _rotated_ago
from tests.outage import RedisServer, outage_app, unreachable_redis_url


def login(client, login_name, password=PASSWORD, **headers):
    return client.post("/api/auth/token", json={"login": login_name, "password": password}, headers=headers)


def test_register_with_email_then_log_in(client):
    created = client.post("/api/auth/register", json={"email": "Mei@Example.cn", "password": "s3cret-pass",
                                                      "display_name": "梅"})
    assert created.status_code == 201
    assert created.json["email"] == "mei@example.cn"
    assert "password" not in created.json and "password_hash" not in created.json

    response = login(client, "mei@example.cn", "s3cret-pass")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(created.json["id"]) and claims["exp"] - claims["iat"] == 900

    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json["display_name"] == "梅" and me.json["memberships"] == []


def test_register_with_a_mainland_mobile_number_normalises_it(client):
    created = client.post("/api/auth/register", json={"phone": "138 0013 8000", "password": "s3cret-pass",
                                                      "display_name": "陈"})
    assert created.status_code == 201 and created.json["phone"] == "+8613800138000"
    assert login(client, "+86 138-0013-8000", "s3cret-pass").status_code == 200
    assert login(client, "13800138000", "s3cret-pass").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-email", "password": "s3cret-pass", "display_name": "x"}, "login"),
        ({"phone": "12345", "password": "s3cret-pass", "display_name": "x"}, "login"),
        ({"email": "a@b.cn", "password": "short", "display_name": "x"}, "password"),
        ({"password": "s3cret-pass", "display_name": "x"}, "email"),
        ({"email": "a@b.cn", "password": "s3cret-pass"}, "display_name"),
    ],
)
def test_register_rejects_bad_input_per_field(client, body, field):
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]


def test_register_twice_with_the_same_login_conflicts(client):
    user = UserFactory()
    response = client.post("/api/auth/register", json={"email": user.email, "password": "s3cret-pass",
                                                       "display_name": "x"})
    assert response.status_code == 409 and response.json["code"] == "login_taken"


def test_wrong_password_and_unknown_login_look_the_same(client):
    user = UserFactory()
    wrong = login(client, user.email, "wrong-password")
    unknown = login(client, "nobody@example.cn", "wrong-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["code"] == unknown.json["code"] == "invalid_credentials"


def test_inactive_account_cannot_log_in_and_its_tokens_stop_working(client):
    user = UserFactory(is_active=False)
    assert login(client, user.email).status_code == 401
    assert client.get("/api/me", headers=bearer(user.id)).status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(client):
    user = UserFactory()
    first = login(client, user.email).json
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]

    # The old token is replayed (stolen?) after the reuse window: refused, and its family revoked.
    _rotated_ago(first["refresh_token"], 31)
    replay = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.json["code"] == "invalid_refresh_token"
    after = client.post("/api/auth/refresh", json={"refresh_token": second.json["refresh_token"]})
    assert after.status_code == 401

    # Another login (another device) is a separate family and still works.
    other = login(client, user.email).json
    assert client.post("/api/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 200


def _me(client, access_token):
    return client.get("/api/me", headers={"Authorization": f"Bearer {access_token}"})


def test_logout_ends_the_login_at_once_its_access_token_included(client):
    user = UserFactory()
    tokens = login(client, user.email).json
    elsewhere = login(client, user.email).json  # the same person on another phone
    assert _me(client, tokens["access_token"]).status_code == 200

    assert client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204

    refused = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    gone = _me(client, tokens["access_token"])
    assert gone.status_code == 401 and gone.json["code"] == "unauthenticated"
    assert _me(client, elsewhere["access_token"]).status_code == 200


def test_a_replayed_refresh_token_cuts_off_the_access_tokens_of_its_login(client):
    user = UserFactory()
    first = login(client, user.email).json
    rotated = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}).json
    assert _me(client, rotated["access_token"]).status_code == 200  # rotation alone ends nothing

    _rotated_ago(first["refresh_token"], 31)
    client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})  # replayed: stolen?

    assert _me(client, rotated["access_token"]).status_code == 401


def test_unknown_refresh_token_is_401(client):
    response = client.post("/api/auth/refresh", json={"refresh_token": "made-up"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not.a.jwt",
        "Bearer " + jwt.encode({"sub": "1", "typ": "access", "exp": 1}, SECRET, algorithm="HS256"),
        "Bearer " + jwt.encode({"sub": "1", "typ": "access", "exp": 4102444800},
                               "another-secret-that-is-long-enough-too", algorithm="HS256"),
        "Bearer " + jwt.encode({"sub": "1", "typ": "refresh", "exp": 4102444800}, SECRET, algorithm="HS256"),
        "Bearer " + jwt.encode({"sub": "1", "typ": "access", "exp": 4102444800}, "", algorithm="none"),
    ],
)
def test_me_without_a_valid_access_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "unauthenticated"


def test_failed_logins_are_limited_per_account_with_retry_after(client):
    user = UserFactory()
    for _ in range(5):
        assert login(client, user.email, "wrong-password").status_code == 401
    limited = login(client, user.email, "wrong-password")
    assert limited.status_code == 429
    assert limited.json["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Even the right password waits: the limit protects the account from guessing.
    assert login(client, user.email).status_code == 429
    # Another account from the same address is not affected.
    assert login(client, UserFactory().email).status_code == 200


def test_logins_are_limited_per_address(client):
    users = [UserFactory() for _ in range(3)]
    statuses = [login(client, users[i % 3].email).status_code for i in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_without_redis_a_revoked_login_is_remembered_in_the_database_for_every_process(tmp_path):
    url = migrated_sqlite(tmp_path)
    one, other = (create_app({"DATABASE_URL": url, "LOG_LEVEL": "ERROR"}) for _ in range(2))
    with one.app_context():
        revoke_login(db.session, "login-1")
        db.session.commit()
    with other.app_context():
        assert _revoked("login-1") and not _revoked("login-2")


def test_with_redis_down_logout_ends_the_login_its_access_tokens_included(backend):
    app = outage_app(backend.database_url, unreachable_redis_url())
    client = app.test_client()
    user = UserFactory()
    tokens = login(client, user.email).json
    elsewhere = login(client, user.email).json

    assert client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204

    assert client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert _me(client, tokens["access_token"]).status_code == 401
    assert _me(client, elsewhere["access_token"]).status_code == 200


def test_a_logout_while_redis_was_down_holds_in_every_process_once_it_is_back(backend, tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        here = outage_app(backend.database_url, server.url)
        tokens = login(here.test_client(), UserFactory().email).json
        server.kill()
        assert here.test_client().post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}
                                       ).status_code == 204
        server.start()  # back, and empty: it never heard of the logout
        assert _me(here.test_client(), tokens["access_token"]).status_code == 401  # this process was careful
        elsewhere = outage_app(backend.database_url, server.url)  # a process that never saw Redis fail
        with elsewhere.app_context():
            assert jobs.relay() >= 1  # the logout's cache job
            SimpleWorker([jobs.queue("high")], connection=jobs.redis).work(burst=True)
        assert _me(elsewhere.test_client(), tokens["access_token"]).status_code == 401
    finally:
        server.kill()


def test_with_redis_down_logins_work_and_failed_ones_are_still_limited_in_the_process(backend, capsys):
    app = outage_app(backend.database_url, unreachable_redis_url())
    client = app.test_client()
    user, other = UserFactory(), UserFactory()
    assert login(client, user.email).status_code == 200
    assert "Redis is unavailable: rate limits count in this process" in capsys.readouterr().out
    for _ in range(5):
        assert login(client, user.email, "wrong-password").status_code == 401
    limited = login(client, user.email, "wrong-password")
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert login(client, other.email).status_code == 200


def test_with_redis_down_limits_can_be_configured_open(backend, capsys):
    app = outage_app(backend.database_url, unreachable_redis_url(), RATE_LIMITS_WHEN_REDIS_DOWN="open")
    client = app.test_client()
    user = UserFactory()
    statuses = [login(client, user.email, "wrong-password").status_code for _ in range(7)]
    assert statuses == [401] * 7
    assert "rate limits are not applied" in capsys.readouterr().out
    assert login(client, user.email).status_code == 200
