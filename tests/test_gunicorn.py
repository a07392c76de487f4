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
    yield from _gunicorn(sqlite_url, tmp_path)


def _gunicorn(sqlite_url, tmp_path, **settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": sqlite_url, "TRUSTED_PROXY_COUNT": "1", "WEB_CONCURRENCY": "1",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING", "INSTANCE_PATH": str(tmp_path),
           "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", **settings}
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


@pytest.fixture
def metrics_dir(tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")
    return directory


@pytest.fixture
def recycling_gunicorn(sqlite_url, tmp_path, metrics_dir):
    """One worker, replaced after every 4 requests, counting into PROMETHEUS_MULTIPROC_DIR."""
    yield from _gunicorn(sqlite_url, tmp_path, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                         GUNICORN_MAX_REQUESTS="4")


def _healthz_count(base) -> float:
    text = http.get(f"{base}/metrics", timeout=10).text
    line = next(line for line in text.splitlines()
                if line.startswith("linli_http_requests_total{") and 'route="/healthz"' in line)
    return float(line.rsplit(" ", 1)[1])


def test_behind_gunicorn_metrics_add_up_every_worker_even_those_gone(recycling_gunicorn, metrics_dir):
    base, _log = recycling_gunicorn
    assert not (metrics_dir / "counter_1.db").exists()  # emptied at start: nothing counted twice
    assert [http.get(f"{base}/healthz", timeout=30).status_code for _ in range(10)] == [200] * 10
    # 11 with the fixture's own wait for /healthz; the workers that served the first 4 and the next
    # 4 are gone, their counts are not.
    assert _healthz_count(base) == 11
    assert len({path.name.rsplit("_", 1)[1] for path in metrics_dir.glob("*.db")}) >= 3  # one set a pid


def test_a_dead_worker_s_live_gauges_are_dropped(monkeypatch, tmp_path):
    live = tmp_path / "gauge_livesum_4242.db"
    live.write_bytes(b"")
    kept = tmp_path / "counter_4242.db"
    kept.write_bytes(b"")
    conf = _settings(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    conf["child_exit"](None, type("Worker", (), {"pid": 4242})())
    assert not live.exists() and kept.exists()  # counters stay: they must never go down
