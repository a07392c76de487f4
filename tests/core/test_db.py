"""The embedded SQLite default: transactions serialised from their first statement, real savepoints."""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import create_app
from core.db import db


@pytest.fixture
def engine(tmp_path) -> Engine:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}", "LOG_LEVEL": "ERROR"})
    with app.app_context():
        engine = db.engine
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE places (id INTEGER PRIMARY KEY, taken INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO places (id, taken) VALUES (1, 0)")
    yield engine
    engine.dispose()


def _taken(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT taken FROM places WHERE id = 1"))


def test_a_transaction_that_has_only_read_already_holds_the_write_lock(engine):
    with engine.connect() as reading, engine.connect() as other:
        reading.execute(text("SELECT taken FROM places"))
        other.connection.driver_connection.execute("PRAGMA busy_timeout = 50")  # outside a transaction
        with pytest.raises(OperationalError, match="locked"):
            other.execute(text("SELECT taken FROM places"))


def test_read_then_write_transactions_in_parallel_lose_no_update(engine):
    # The shape of every capacity check: read the count, decide, write. Without serialising,
    # the threads read the same count and the increments overwrite each other.
    start = threading.Barrier(8)

    def take_one() -> None:
        start.wait()
        with engine.begin() as conn:
            taken = conn.scalar(text("SELECT taken FROM places WHERE id = 1"))
            time.sleep(0.01)
            conn.execute(text("UPDATE places SET taken = :n WHERE id = 1"), {"n": taken + 1})

    threads = [threading.Thread(target=take_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _taken(engine) == 8


def test_a_released_savepoint_is_undone_with_its_transaction(engine):
    # The test harness and nested service steps: a session joined to an outer transaction through a
    # savepoint commits, and rolling back the outer transaction still undoes it.
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        session.execute(text("UPDATE places SET taken = 5"))
        session.commit()
        session.close()
        outer.rollback()
    assert _taken(engine) == 0


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(engine):
    with engine.connect() as conn, conn.begin():
        conn.execute(text("UPDATE places SET taken = 1"))
        nested = conn.begin_nested()
        conn.execute(text("UPDATE places SET taken = 2"))
        nested.rollback()
        assert conn.scalar(text("SELECT taken FROM places")) == 1
    assert _taken(engine) == 1


def _connections_named(database_url: str, name: str) -> int:
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
        return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)).fetchone()[0]


def test_parallel_requests_on_postgresql_open_no_more_connections_than_the_pool_allows(database_url):
    # `make test` ran out of the server's connections: each process's pool allowed 30.
    name = f"linli-pool-{uuid.uuid4().hex[:8]}"
    app = create_app({"DATABASE_URL": f"{database_url}?application_name={name}", "DB_POOL_SIZE": 1,
                      "DB_MAX_OVERFLOW": 2, "LOG_LEVEL": "ERROR"})
    start = threading.Barrier(12)
    peak = [0]

    def query(_):
        start.wait()
        with app.app_context():
            db.session.execute(text("SELECT pg_sleep(0.1)"))
            peak[0] = max(peak[0], _connections_named(database_url, name))

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(query, range(12)))
    with app.app_context():
        db.engine.dispose()
    assert 1 <= peak[0] <= 3
