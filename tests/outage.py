"""Real outages for tests: a Redis nobody answers on, a redis-server to kill, a worker to SIGKILL."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from app import create_app
from core.db import db
from tests.conftest import ROOT, SECRET


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_redis_url() -> str:
    """A port that was just free: connecting to it is refused, as to a Redis that went down."""
    return f"redis://127.0.0.1:{free_port()}/0"


_apps: list[Flask] = []


def outage_app(database_url: str, redis_url: str | None, **settings: Any) -> Flask:
    """An app like the test app's, on another Redis (or none); its pool is closed after the test."""
    app = create_app({
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET, "TESTING": True,
        "LOG_LEVEL": "WARNING", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
        "DB_POOL_SIZE": 1, "DB_MAX_OVERFLOW": 4, **settings,
    })
    _apps.append(app)
    return app


def close_outage_apps() -> None:
    while _apps:
        with _apps.pop().app_context():
            db.engine.dispose()


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence: killing it loses its data,
    as a crashed Redis without AOF does."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server to start")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


class WorkerProcess:
    """`flask --app app worker` in a process group of its own, with this test's database and Redis."""

    def __init__(self, log_path: Path, *, database_url: str, redis_url: str, args: tuple[str, ...] = (),
                 **settings: str) -> None:
        self.log_path = log_path
        self.env = {
            **os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET,
            "LOG_LEVEL": "INFO", "JOB_HEARTBEAT_SECONDS": "1", "JOB_RELAY_INTERVAL_SECONDS": "0.5",
            "DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "2", **settings,
        }
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        log = open(self.log_path, "ab")  # the child writes to it until it dies
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "flask", "--app", "app", "worker", *self.args],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        return self

    def children(self) -> list[int]:
        if self.process is None:
            return []
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                found += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        return found

    def horses(self) -> list[int]:
        """The work horses it forked: RQ puts each in a process group of its own."""
        found = []
        for pid in self.children():
            try:
                if os.getpgid(pid) == pid:
                    found.append(pid)
            except ProcessLookupError:
                continue
        return found

    def kill(self) -> None:
        """SIGKILL to the worker, its scheduler processes and its work horse: the machine went away."""
        if self.process is None:
            return
        for pid in self.children():
            _kill(pid)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
            self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
