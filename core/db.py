"""The engine and the request- or job-scoped Session; nothing connects at import time."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """One per app: `db.session` is the Session of the current app context (request or job)."""

    def init_app(self, app: Flask, url: str) -> None:
        # No pre-ping: it costs a round trip per request; a dropped connection is detected on
        # use, invalidates the pool, and recycling retires connections before servers drop them.
        engine_options: dict[str, Any] = {"pool_recycle": 1800}
        if url.startswith("sqlite"):
            engine_options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            # JIT compiles a query whose estimated cost is high (correlated subqueries over a large
            # table estimate high even when a LIMIT stops them after a few rows): 100-200 ms of
            # compiling for a 1 ms query. An API's short queries never repay it.
            engine_options.update(pool_size=10, max_overflow=20, connect_args={"options": "-c jit=off"})
        engine = create_engine(url, **engine_options)
        if url.startswith("sqlite"):
            event.listen(engine, "connect", _sqlite_pragmas)
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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


db = Database()
