"""The caches of hot reads: entries tagged with versions, versions bumped by commits, Redis optional."""
from sqlalchemy import update
from sqlalchemy.orm import Session

from app import create_app
from core.cache import Cache, current_cache
from identity.models import User
from tests.factories import UserFactory


def test_an_entry_is_current_until_a_scope_it_depends_on_is_bumped(app, connection):
    with app.app_context():
        cache = current_cache()
        calls = []

        def compute():
            calls.append(1)
            return b"v%d" % len(calls)

        assert cache.cached("thing:1", ["a", "b"], compute, ttl=60) == b"v1"
        assert cache.cached("thing:1", ["a", "b"], compute, ttl=60) == b"v1"
        cache.bump(["c"])
        assert cache.cached("thing:1", ["a", "b"], compute, ttl=60) == b"v1"
        cache.bump(["b"])
        assert cache.cached("thing:1", ["a", "b"], compute, ttl=60) == b"v2"
        assert len(calls) == 2


def test_what_was_read_before_a_bump_is_never_served_after_it(app, connection):
    """A reader that looked up the versions, then read the database, then stored, while a commit
    bumped in between, stored under the old versions: the next reader does not take it."""
    with app.app_context():
        cache = current_cache()
        lookup = cache.fetch("thing:2", ["a"])
        cache.bump(["a"])  # a commit lands after the reader's lookup
        cache.store(lookup, b"read before the commit", ttl=60)
        assert cache.fetch("thing:2", ["a"]).payload is None


def test_commits_bump_the_scopes_of_the_rows_they_change(app, connection, redis):
    with app.app_context():
        cache = current_cache()
        user = UserFactory()
        entry = lambda: cache.cached(f"user:{user.id}", [f"actor:{user.id}"], lambda: b"x", ttl=60)  # noqa: E731
        entry()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        session.get(User, user.id).display_name = "新名字"
        session.flush()
        assert cache.fetch(f"user:{user.id}", [f"actor:{user.id}"]).payload == b"x"  # flushed, not committed
        session.commit()
        assert cache.fetch(f"user:{user.id}", [f"actor:{user.id}"]).payload is None


def test_a_rolled_back_change_bumps_nothing(app, connection, redis):
    with app.app_context():
        cache = current_cache()
        user = UserFactory()
        cache.cached(f"user:{user.id}", [f"actor:{user.id}"], lambda: b"x", ttl=60)
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        session.get(User, user.id).display_name = "新名字"
        session.flush()
        session.rollback()
        assert cache.fetch(f"user:{user.id}", [f"actor:{user.id}"]).payload == b"x"


def test_a_bulk_statement_bumps_the_scopes_of_its_whole_table(app, connection):
    with app.app_context():
        cache = current_cache()
        user = UserFactory()
        cache.cached("everyone", ["actors"], lambda: b"x", ttl=60)
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        session.execute(update(User).where(User.id == user.id).values(display_name="批量"))
        session.commit()
        assert cache.fetch("everyone", ["actors"]).payload is None


def test_a_bulk_statement_that_changes_no_row_bumps_nothing(app, connection):
    """A periodic job's UPDATE that matches nothing, or a conditional one that lost its race."""
    with app.app_context():
        cache = current_cache()
        cache.cached("everyone", ["actors"], lambda: b"x", ttl=60)
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        result = session.execute(update(User).where(User.id == -1).values(display_name="无人"))
        assert result.rowcount == 0
        session.commit()
        assert cache.fetch("everyone", ["actors"]).payload == b"x"


def test_a_release_does_not_read_the_entries_of_another(app, connection):
    with app.app_context():
        cache = current_cache()
        cache.cached("thing:3", ["a"], lambda: b"old shape", ttl=60)
        other = Cache(cache.redis)
        other._namespace = "another-release"
        assert other.fetch("thing:3", ["a"]).payload is None


def test_with_redis_down_reads_compute_and_commits_still_succeed(database_url):
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0", "LOG_LEVEL": "ERROR",
                      "SECRET_KEY": "test-secret-key-that-is-long-enough"})
    with app.app_context():
        cache = current_cache()
        assert cache.cached("thing:4", ["a"], lambda: b"computed", ttl=60) == b"computed"
        assert not cache.available  # left alone for a moment, not asked on every read
        cache.bump(["a"])  # logged, not raised: the commit it follows has happened
