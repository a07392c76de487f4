"""Test harness: a throwaway PostgreSQL database migrated by Alembic, each test rolled back.

Each test runs inside an outer transaction on one connection; the app's sessions join it through
savepoints (`join_transaction_mode="create_savepoint"`), so services can commit as in production
and the test still leaves nothing behind. Tests that need real concurrent transactions use the
`committed` fixture instead, which truncates what they wrote; marked `@on_both_databases`, they
run again on the embedded default, a SQLite file migrated by Alembic as `make run` does.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app
from core.auth import issue_access_token
from core.db import db
from core.jobs import QUEUES, jobs
from core.models import Base
from payments.localstripe import LocalStripe, start_localstripe
from tests import factories

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Redis: an explicit TEST_REDIS_URL is used as it is; otherwise each test process (each xdist
# worker, each concurrent run) claims a free database number from 15 down, so runs never flush
# each other's queues or counters.
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
REDIS_LOCK = "linli:test-run"
SECRET = "test-secret-key-that-is-long-enough"
STRIPE_WEBHOOK_SECRET = "whsec_test_linli"


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups off the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests of real concurrent transactions (the `committed` fixture) and of outages (`backend`) form
    one xdist group: with `--dist loadgroup` they run one after another on one worker, never two
    storms at once."""
    for item in items:
        if {"committed", "backend"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("concurrency"))


def _psycopg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@contextmanager
def scratch_database(prefix: str, server_url: str = SERVER_URL) -> Iterator[str]:
    """A new PostgreSQL database named `<prefix>_<random>`, migrated to head, dropped afterwards."""
    server = make_url(_psycopg_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        config = Config(os.path.join(ROOT, "alembic.ini"))
        config.attributes["url"] = url
        command.upgrade(config, "head")
        yield url
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with scratch_database("linli_test") as url:
        yield url


def _claim_redis() -> tuple[Redis, str]:
    explicit = os.environ.get("TEST_REDIS_URL")
    if explicit:
        return Redis.from_url(explicit), explicit
    for number in range(15, 0, -1):
        url = f"{REDIS_SERVER}/{number}"
        client = Redis.from_url(url)
        if client.set(REDIS_LOCK, os.getpid(), nx=True, ex=3600):
            return client, url
    raise RuntimeError("no free Redis database for the tests (all of 1-15 are claimed)")


def flush(client: Redis) -> None:
    """Empties this run's Redis database and keeps the claim on it."""
    client.flushdb()
    client.set(REDIS_LOCK, os.getpid(), ex=3600)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    client, url = _claim_redis()
    flush(client)
    yield url
    client.flushdb()


@pytest.fixture(scope="session")
def redis(redis_url: str) -> Redis:
    return Redis.from_url(redis_url)


@pytest.fixture(scope="session")
def localstripe() -> LocalStripe:
    """Stripe's API emulated on 127.0.0.1 in this process (payments tests clear it per test)."""
    return start_localstripe()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The embedded default's database: a SQLite file, migrated by Alembic as `make run` does."""
    url = f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'linli.sqlite3'}"
    config = Config(os.path.join(ROOT, "alembic.ini"))
    config.attributes["url"] = url
    command.upgrade(config, "head")
    return url


def _test_settings(localstripe: LocalStripe, **settings) -> dict:
    return {
        **settings,
        # Per test process: 2 kept, up to 15 during a storm of parallel requests. The storms run on
        # one worker (see pytest_collection_modifyitems), so two workers stay near 20 connections
        # of the server's 100, which other runs and people share.
        "DB_POOL_SIZE": 2,
        "DB_MAX_OVERFLOW": 13,
        "SECRET_KEY": SECRET,
        "TESTING": True,
        "LOG_LEVEL": "WARNING",
        "STRIPE_API_KEY": "sk_test_linli",
        "STRIPE_API_BASE": localstripe.url,
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        "STRIPE_CONNECT_FAKE": True,
        # Cheap hashes: the suite creates many users; production uses the defaults.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
    }


@pytest.fixture(scope="session")
def postgresql_app(database_url: str, redis_url: str, localstripe: LocalStripe) -> Flask:
    return create_app(_test_settings(localstripe, DATABASE_URL=database_url, REDIS_URL=redis_url))


@pytest.fixture(scope="session")
def sqlite_app(sqlite_url: str, localstripe: LocalStripe) -> Flask:
    """The embedded default: SQLite, and no Redis (jobs in-process, limits in memory)."""
    return create_app(_test_settings(localstripe, DATABASE_URL=sqlite_url))


@pytest.fixture
def app(request: pytest.FixtureRequest) -> Flask:
    """The app on PostgreSQL; a test marked `@on_both_databases` also gets it on SQLite."""
    return request.getfixturevalue(f"{getattr(request, 'param', 'postgresql')}_app")


on_both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)


@pytest.fixture
def connection(app: Flask, redis: Redis) -> Iterator:
    """One rolled-back transaction per test; the app's sessions and the factories join it."""
    with app.app_context():
        engine = db.engine
        maker = db.sessionmaker
    conn = engine.connect()
    outer = conn.begin()
    original = dict(maker.kw)
    maker.configure(bind=conn, join_transaction_mode="create_savepoint")
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    factories.bind(session)
    flush(redis)
    try:
        yield conn
    finally:
        factories.bind(None)
        session.close()
        maker.kw.clear()
        maker.kw.update(original)
        outer.rollback()
        conn.close()


@pytest.fixture
def committed(app: Flask, redis: Redis) -> Iterator[None]:
    """For tests of real concurrent transactions: data is committed, then truncated."""
    with app.app_context():
        engine = db.engine
    session = Session(bind=engine, expire_on_commit=False)
    factories.bind(session)
    flush(redis)
    try:
        yield None
    finally:
        factories.bind(None)
        session.close()
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            else:
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # checked at commit, when all is gone
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture
def client(app: Flask, connection):
    return app.test_client()


def bearer(user_id: int) -> dict[str, str]:
    """Headers of a logged-in user, without spending a password hash per test."""
    return {"Authorization": f"Bearer {issue_access_token(user_id, ttl_seconds=600, secret=SECRET)}"}


@pytest.fixture
def run_jobs(app: Flask, redis: Redis):
    """Runs every queued job through a real RQ worker in burst mode, on the real Redis."""

    def run() -> None:
        with app.app_context():
            worker = SimpleWorker([jobs.queue(name) for name in QUEUES], connection=redis)
            worker.work(burst=True)

    return run


def migrated_sqlite(directory) -> str:
    """An embedded-default database file, migrated like `make run` does."""
    url = f"sqlite:///{directory / 'linli.sqlite3'}"
    config = Config(os.path.join(ROOT, "alembic.ini"))
    config.attributes["url"] = url
    command.upgrade(config, "head")
    return url


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str


@pytest.fixture(autouse=True)
def _close_outage_apps() -> Iterator[None]:
    """Apps a test made for an outage (tests.outage) give their connections back after it."""
    yield
    from tests.outage import close_outage_apps  # it imports this module

    close_outage_apps()


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request, tmp_path, database_url, redis) -> Iterator[Backend]:
    """A database whose committed rows the test's own apps (and worker processes) see, on PostgreSQL
    and on the embedded SQLite default; the factories write to it."""
    flush(redis)
    if request.param == "postgresql":
        request.getfixturevalue("committed")  # binds the factories, truncates afterwards
        yield Backend("postgresql", database_url)
        return
    url = migrated_sqlite(tmp_path)
    engine = create_engine(url)
    session = Session(bind=engine, expire_on_commit=False)
    factories.bind(session)
    try:
        yield Backend("sqlite", url)
    finally:
        factories.bind(None)
        session.close()
        engine.dispose()
