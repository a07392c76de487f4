"""Refresh-token rotation with a reuse window: parallel refreshes keep the client logged in, and a
rotated token coming back later (or after its successor moved on) still ends the login."""
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update

from core.models import utcnow
from identity.models import RefreshToken
from tests.conftest import on_both_databases
from tests.factories import PASSWORD, UserFactory, current_session


def _log_in(client, user) -> dict:
    response = client.post("/api/auth/token", json={"login": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return response.json


def _refresh(client, refresh_token):
    return client.post("/api/auth/refresh", json={"refresh_token": refresh_token})


def _me(client, access_token) -> int:
    return client.get("/api/me", headers={"Authorization": f"Bearer {access_token}"}).status_code


def _rotated_ago(refresh_token: str, seconds: int) -> None:
    """As if the token had been rotated `seconds` ago."""
    session = current_session()
    session.execute(update(RefreshToken)
                    .where(RefreshToken.token_hash == hashlib.sha256(refresh_token.encode()).hexdigest())
                    .values(used_at=utcnow() - timedelta(seconds=seconds)))
    session.commit()


@on_both_databases
def test_thirty_parallel_refreshes_of_one_token_all_succeed_and_the_client_stays_logged_in(app, committed):
    user = UserFactory()
    tokens = _log_in(app.test_client(), user)
    start = threading.Barrier(30)

    def refresh(_):
        client = app.test_client()
        start.wait()
        return _refresh(client, tokens["refresh_token"])

    with ThreadPoolExecutor(max_workers=30) as pool:
        responses = list(pool.map(refresh, range(30)))

    assert [r.status_code for r in responses] == [200] * 30, [r.json for r in responses if r.status_code != 200]
    successors = {r.json["refresh_token"] for r in responses}
    assert len(successors) == 1 and tokens["refresh_token"] not in successors
    client = app.test_client()
    assert {_me(client, r.json["access_token"]) for r in responses} == {200}
    following = _refresh(client, successors.pop())
    assert following.status_code == 200
    assert _me(client, following.json["access_token"]) == 200


def test_a_retry_within_the_window_gets_the_same_successor_and_a_working_access_token(client):
    tokens = _log_in(client, UserFactory())
    first = _refresh(client, tokens["refresh_token"]).json
    retry = _refresh(client, tokens["refresh_token"])
    assert retry.status_code == 200
    assert retry.json["refresh_token"] == first["refresh_token"]
    assert _me(client, retry.json["access_token"]) == _me(client, first["access_token"]) == 200


def test_a_rotated_token_replayed_after_the_window_is_refused_and_ends_the_login(client):
    tokens = _log_in(client, UserFactory())
    rotated = _refresh(client, tokens["refresh_token"]).json
    _rotated_ago(tokens["refresh_token"], 31)

    replay = _refresh(client, tokens["refresh_token"])

    assert replay.status_code == 401 and replay.json["code"] == "invalid_refresh_token"
    assert _refresh(client, rotated["refresh_token"]).status_code == 401
    assert _me(client, rotated["access_token"]) == 401


def test_within_the_window_only_the_latest_rotated_token_is_forgiven(client):
    # As in Auth0: once the successor was rotated in turn, the older token coming back is a replay.
    tokens = _log_in(client, UserFactory())
    second = _refresh(client, tokens["refresh_token"]).json
    third = _refresh(client, second["refresh_token"]).json

    assert _refresh(client, tokens["refresh_token"]).status_code == 401
    assert _refresh(client, third["refresh_token"]).status_code == 401
    assert _me(client, third["access_token"]) == 401


def test_another_login_of_the_same_person_is_not_the_same_family(client):
    user = UserFactory()
    phone, tablet = _log_in(client, user), _log_in(client, user)
    from_phone = _refresh(client, phone["refresh_token"]).json
    from_tablet = _refresh(client, tablet["refresh_token"]).json
    assert from_phone["refresh_token"] != from_tablet["refresh_token"]
