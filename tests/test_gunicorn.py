"""gunicorn.conf.py: a real gunicorn behind a (pretend) load balancer, and its settings."""
import json
import os
import runpy
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import ROOT

CONF = os.path.join(ROOT, "gunicorn.conf.py")
http = requests.Session()
http.trust_env = False  # straight to loopback, whatever proxy the environment names


def _settings(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "TRUSTED_PROXY_COUNT", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(CONF)


def test_gunicorn_believes_forwarded_headers_only_when_the_app_does(monkeypatch):
    assert _settings(monkeypatch)["forwarded_allow_ips"] == ""
    assert _settings(monkeypatch, TRUSTED_PROXY_COUNT="1")["forwarded_allow_ips"] == "*"
    assert _settings(monkeypatch, TRUSTED_PROXY_COUNT="1", FORWARDED_ALLOW_IPS="10.0.0.0/8")[
        "forwarded_allow_ips"] == "10.0.0.0/8"


def test_workers_follow_the_cores_with_a_cap_unless_set(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    assert _settings(monkeypatch)["workers"] == min(2 * cores + 1, 8)
    assert _settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


@pytest.fixture
def gunicorn(sqlite_url, tmp_path):
    """gunicorn -c gunicorn.conf.py on loopback, on the migrated SQLite file, trusting one proxy."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": sqlite_url, "TRUSTED_PROXY_COUNT": "1", "WEB_CONCURRENCY": "1",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING", "INSTANCE_PATH": str(tmp_path),
           "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}
    env.pop("REDIS_URL", None)
    log = tmp_path / "stdout.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - this venv's gunicorn, fixed arguments
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", CONF],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                http.get(f"{base}/healthz", timeout=5)
                break
            except requests.RequestException:  # not listening yet, or the worker still booting
                assert process.poll() is None, log.read_text()
                time.sleep(0.1)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _log_in(base, forwarded_for, attempt) -> int:
    # A login of its own each time: failures also count per account (5 a minute), not the point here.
    return http.post(f"{base}/api/auth/token", json={"login": f"nobody{attempt}@example.cn", "password": "wrong"},
                     headers={"X-Forwarded-For": forwarded_for}, timeout=10).status_code


def test_behind_gunicorn_each_client_is_limited_by_its_own_address_and_logged_in_json(gunicorn):
    base, log = gunicorn
    # Every login attempt counts against the address: 25 clients behind one balancer, one try each.
    assert [_log_in(base, f"198.51.100.{i + 1}", i) for i in range(25)] == [401] * 25
    assert [_log_in(base, "203.0.113.9", i) for i in range(21)] == [401] * 20 + [429]

    time.sleep(0.2)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    logins = [line for line in lines if line.get("logger") == "gunicorn.access" and line["path"] == "/api/auth/token"]
    assert len(logins) == 46
    assert {line["remote_addr"] for line in logins} == {f"198.51.100.{i + 1}" for i in range(25)} | {"203.0.113.9"}
    assert {line["status"] for line in logins} == {401, 429}
    assert all(line["method"] == "POST" and line["request_id"] and line["duration_ms"] >= 0 for line in logins)
