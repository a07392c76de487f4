"""Configuration: read once from the environment, and a wrong value names its variable."""
import pytest

from app import create_app
from core.config import ConfigError, load_settings


def test_defaults_run_on_a_bare_machine(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "LOG_LEVEL": "ERROR"})
    assert app.config["SQLALCHEMY_URL"] == f"sqlite:///{tmp_path / 'linli.sqlite3'}"
    assert app.config["REDIS_URL"] is None
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


@pytest.mark.parametrize(
    "variable, value",
    [
        ("ACCESS_TOKEN_TTL_SECONDS", "soon"),
        ("ACCESS_TOKEN_TTL_SECONDS", "-5"),
        ("DATABASE_URL", "mysql://localhost/db"),
        ("REDIS_URL", "localhost:6379"),
        ("SECRET_KEY", "short"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("MAX_CONTENT_LENGTH", "0"),
        ("DB_POOL_SIZE", "0"),
        ("DB_MAX_OVERFLOW", "-1"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("REFRESH_TOKEN_REUSE_SECONDS", "-1"),
        ("METRICS_TOKEN", "short"),
        ("PROMETHEUS_MULTIPROC_DIR", "/no/such/directory"),
        ("SENTRY_DSN", "sentry.example.cn"),
        ("SENTRY_TRACES_SAMPLE_RATE", "2"),
    ],
)
def test_a_wrong_value_fails_at_start_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        create_app({"LOG_LEVEL": "ERROR"})


def test_production_refuses_the_embedded_defaults(monkeypatch):
    monkeypatch.setenv("LINLI_ENV", "production")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_settings({"DATABASE_URL": "postgresql://db/linli", "SECRET_KEY": "x" * 40})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings({"DATABASE_URL": "postgresql://db/linli", "REDIS_URL": "redis://r/0"})


def test_postgres_urls_use_psycopg_3():
    settings = load_settings({"DATABASE_URL": "postgres://u@h/db"})
    assert settings.DATABASE_URL == "postgresql+psycopg://u@h/db"


def test_nothing_connects_at_import_or_create_time():
    # An unreachable database and Redis do not stop the app from being built.
    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0",
                      "LOG_LEVEL": "ERROR"})
    assert app.test_client().get("/healthz").status_code == 200
