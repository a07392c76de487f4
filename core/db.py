"""The engine and the request- or job-scoped Session; nothing connects at import time."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# How long a SQLite transaction waits for the database's one write lock before it fails.
SQLITE_BUSY_TIMEOUT_SECONDS = 30


class Database:
    """One per app: `db.session` is the Session of the current app context (request or job)."""

    def init_app(self, app: Flask, url: str, *, pool_size: int, max_overflow: int) -> None:
        engine = _create_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        app.extensions["linli.db"] = {
            "engine": engine,
            "sessionmaker": sessionmaker(engine, expire_on_commit=False),
        }
        app.teardown_appcontext(self._remove_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["linli.db"]["engine"]

    @property
    def sessionmaker(self) -> sessionmaker:
        return current_app.extensions["linli.db"]["sessionmaker"]

    @property
    def session(self) -> Session:
        session = g.get("_db_session")
        if session is None:
            session = self.sessionmaker()
            g._db_session = session
        return session

    @staticmethod
    def _remove_session(_exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()


def _create_engine(url: str, *, pool_size: int, max_overflow: int) -> Engine:
    """PostgreSQL with a bounded pool, or the embedded SQLite file with serialised transactions."""
    # No pre-ping: it costs a round trip per request; a dropped connection is detected on
    # use, invalidates the pool, and recycling retires connections before servers drop them.
    if url.startswith("sqlite"):
        # SQLite connections are file handles, not server slots: no overflow limit, so a request
        # whose in-process job opens a second connection never waits for the pool.
        engine = create_engine(
            url,
            pool_recycle=1800,
            max_overflow=-1,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # JIT compiles a query whose estimated cost is high (correlated subqueries over a large
    # table estimate high even when a LIMIT stops them after a few rows): 100-200 ms of
    # compiling for a 1 ms query. An API's short queries never repay it.
    return create_engine(
        url,
        pool_recycle=1800,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"options": "-c jit=off"},
    )


def _sqlite_connect(dbapi_connection, _record) -> None:
    # pysqlite's legacy transaction control runs SELECTs outside any transaction and BEGINs only
    # before the first INSERT/UPDATE/DELETE, so a read-check-write (stock, capacity, a pass's
    # entries) reads without a lock and two requests both write. SQLAlchemy emits BEGIN instead
    # (`_sqlite_begin`), which also makes SAVEPOINT and DDL part of the transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # SQLite ignores SELECT ... FOR UPDATE. BEGIN IMMEDIATE takes the database's write lock at
    # the start, so transactions that may write run one after the other, as the row locks make
    # them on PostgreSQL; waiters queue for the busy timeout instead of failing.
    #
    # Every transaction takes it, reads included: a request reads before it knows it will write
    # (the actor, then the service's checks), and a WAL read snapshot cannot become a write once
    # another writer committed (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not retry).
    # The embedded default serves `make run`, where correctness matters and throughput does not;
    # readers outside the app (the sqlite3 shell, a backup) still read under WAL while it writes.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


db = Database()
