"""Behind the load balancer each client keeps its own address, and a client cannot choose one."""
import pytest

from app import create_app
from core.config import Settings
from core.db import db
from tests.factories import PASSWORD, UserFactory

BALANCER = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the load balancer


@pytest.fixture
def behind_one_proxy(app, connection):
    """The test app as deployed behind one load balancer, its sessions in the test's transaction."""
    proxied = create_app({**{name: app.config[name] for name in Settings.model_fields}, "TRUSTED_PROXY_COUNT": 1})
    with proxied.app_context():
        db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    return proxied


def _log_in(client, user, forwarded_for):
    return client.post("/api/auth/token", json={"login": user.email, "password": PASSWORD},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base=BALANCER).status_code


def test_behind_the_load_balancer_each_client_has_its_own_login_limit(behind_one_proxy):
    users = [UserFactory() for _ in range(3)]
    client = behind_one_proxy.test_client()
    statuses = [_log_in(client, users[i % 3], f"198.51.100.{i + 1}") for i in range(25)]
    assert statuses == [200] * 25


def test_a_client_behind_the_load_balancer_is_limited_by_the_address_the_balancer_saw(behind_one_proxy):
    users = [UserFactory() for _ in range(3)]
    client = behind_one_proxy.test_client()
    # The client makes up the left of the header; the balancer appends the address it came from.
    statuses = [_log_in(client, users[i % 3], f"203.0.113.{i + 1}, 198.51.100.7") for i in range(21)]
    assert statuses == [200] * 20 + [429]


def test_without_trusted_proxies_a_forwarded_address_changes_nothing(client):
    users = [UserFactory() for _ in range(3)]
    statuses = [_log_in(client, users[i % 3], f"198.51.100.{i + 1}") for i in range(21)]
    assert statuses == [200] * 20 + [429]
