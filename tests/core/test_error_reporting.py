"""Sentry: off without SENTRY_DSN; with it, errors of requests and jobs arrive without personal data.

The enabled case runs in a fresh interpreter (Sentry's client is global to a process) and reports
to a small HTTP server on loopback standing in for Sentry.
"""
import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app import create_app
from tests.conftest import ROOT

PERSONAL = ("13800138000", "王小明", "张三", "secret-bearer-token", "Room 1203")


class FakeSentry(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_sentry():
    handler = type("Handler", (FakeSentry,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://public@127.0.0.1:{server.server_address[1]}/1", handler.received
    finally:
        server.shutdown()
        server.server_close()


SCRIPT = """
import json, sys
from rq import SimpleWorker
from app import create_app
from core.jobs import jobs

dsn, instance, redis_url = sys.argv[1:4]
app = create_app({"SENTRY_DSN": dsn, "INSTANCE_PATH": instance, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"})

@app.post("/boom")
def boom():
    raise RuntimeError("boom from a view")

response = app.test_client().post(
    "/boom?name=张三", json={"phone": "13800138000", "name": "王小明", "address": "Room 1203"},
    headers={"Authorization": "Bearer secret-bearer-token", "X-Request-ID": "trace-sentry-1"})
with app.app_context():
    queue = jobs.queue("low")
    queue.enqueue("tests.core.test_error_reporting.fail_with_personal_data", "13800138000")
    SimpleWorker([queue], connection=jobs.redis).work(burst=True)

import sentry_sdk
client = sentry_sdk.get_client()
print(json.dumps({"status": response.status_code, "active": client.is_active(),
                  "integrations": sorted(client.integrations),
                  "pii": sentry_sdk.scope.should_send_default_pii()}))
sentry_sdk.flush(timeout=10)
"""


def _events(received: list[bytes]) -> list[dict]:
    events = []
    for envelope in received:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_with_a_dsn_request_and_job_errors_arrive_without_personal_data(fake_sentry, tmp_path, redis_url):
    dsn, received = fake_sentry
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    run = subprocess.run([sys.executable, "-c", SCRIPT, dsn, str(tmp_path), redis_url],  # noqa: S603
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["status"] == 500 and report["active"] and report["pii"] is False
    assert {"flask", "rq", "sqlalchemy"} <= set(report["integrations"])

    events = _events(received)
    messages = {value["value"] for event in events for value in event.get("exception", {}).get("values", [])}
    assert {"boom from a view", "a job failed"} <= messages
    view_error = next(e for e in events if "boom from a view" in json.dumps(e))
    assert view_error["request"]["headers"]["X-Request-Id"] == "trace-sentry-1"
    raw = b"\n".join(received).decode()
    as_text = json.dumps(events, ensure_ascii=False)
    for personal in PERSONAL:
        assert personal not in raw and personal not in as_text, personal


def test_without_a_dsn_nothing_is_initialised(tmp_path, monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "LOG_LEVEL": "ERROR"})
    assert "linli.sentry" not in app.extensions
    if "sentry_sdk" in sys.modules:  # imported by something else in this process: still not started
        assert not sys.modules["sentry_sdk"].get_client().is_active()


# Far from the test's data: Sentry sends the lines around a failing line (code, not data).
def fail_with_personal_data(phone: str) -> None:
    """An RQ job (run by the script above) whose argument must not reach Sentry."""
    raise RuntimeError("a job failed")
