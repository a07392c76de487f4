"""The embedded SQLite default: transactions serialised from their first statement, real savepoints."""
import threading
import time

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
