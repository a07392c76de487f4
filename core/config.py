"""The one typed settings object, read from the environment once in `create_app`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-secret-change-me-in-production"  # noqa: S105 - refused in production


class ConfigError(RuntimeError):
    """A setting has a value the service cannot start with; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=True, extra="ignore")

    LINLI_ENV: Literal["development", "production"] = "development"
    DATABASE_URL: str | None = None
    # PostgreSQL connections per process: kept open, and opened beyond that at busy moments. Every
    # gunicorn worker and RQ worker has its own pool, so workers x (pool + overflow) must stay under
    # the server's max_connections (100 by default): gunicorn.conf.py's 8 workers at most x 6 = 48.
    DB_POOL_SIZE: int = Field(default=3, ge=1, le=100)
    DB_MAX_OVERFLOW: int = Field(default=3, ge=0, le=100)
    REDIS_URL: str | None = None
    SECRET_KEY: str = Field(default=DEV_SECRET_KEY, min_length=32)
    ACCESS_TOKEN_TTL_SECONDS: int = Field(default=900, gt=0, le=86_400)
    REFRESH_TOKEN_TTL_SECONDS: int = Field(default=30 * 86_400, gt=0)
    # A rotated refresh token sent again this soon gets the same successor instead of ending the
    # login: mobile clients send several refreshes at once. 0 treats every reuse as theft.
    REFRESH_TOKEN_REUSE_SECONDS: int = Field(default=30, ge=0, le=300)
    MAX_CONTENT_LENGTH: int = Field(default=1024 * 1024, gt=0)
    LOGIN_RATE_LIMIT_PER_ACCOUNT: str = "5 per minute"
    LOGIN_RATE_LIMIT_PER_ADDRESS: str = "20 per minute"
    # Proxies in front of the service (the load balancer: 1) whose X-Forwarded-For and -Proto are
    # believed; 0 believes none, so a client cannot choose its own address for the rate limits.
    TRUSTED_PROXY_COUNT: int = Field(default=0, ge=0, le=5)
    DEFAULT_TIMEZONE: str = "Asia/Shanghai"
    DEFAULT_CURRENCY: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    LOG_LEVEL: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    IDEMPOTENCY_TTL_SECONDS: int = Field(default=24 * 3600, gt=0)
    # Jobs: a running job reports every JOB_HEARTBEAT_SECONDS and is abandoned (retried) after three
    # missed reports; the outbox relay runs every JOB_RELAY_INTERVAL_SECONDS and re-drives a job that
    # has not finished JOB_REDRIVE_MARGIN_SECONDS after its timeout.
    JOB_HEARTBEAT_SECONDS: int = Field(default=10, ge=1, le=300)
    JOB_RELAY_INTERVAL_SECONDS: float = Field(default=5.0, gt=0, le=300)
    JOB_REDRIVE_MARGIN_SECONDS: int = Field(default=60, ge=0)
    # With Redis unreachable, rate limits count in each process's memory ("local") or are not applied
    # ("open"); either way it is logged as an error.
    RATE_LIMITS_WHEN_REDIS_DOWN: Literal["local", "open"] = "local"
    ARGON2_TIME_COST: int = Field(default=3, ge=1, le=10)
    ARGON2_MEMORY_KIB: int = Field(default=65536, ge=1024)
    TESTING: bool = False
    # Stripe. With no STRIPE_API_KEY, `make run` serves localstripe on loopback (test mode).
    STRIPE_API_KEY: str | None = None
    STRIPE_WEBHOOK_SECRET: str | None = None
    STRIPE_API_BASE: str | None = None  # e.g. localstripe's http://127.0.0.1:8420
    STRIPE_CONNECT_FAKE: bool = False  # localstripe has no Connect: payouts use a fake transfer
    PAYMENT_METHOD_TYPES: list[Literal["card", "wechat_pay", "alipay"]] = Field(default=["card"], min_length=1)
    COMMISSION_PLATFORM_BPS: int = Field(default=500, ge=0, le=10_000)  # when no commission_rates row
    COMMISSION_COMMUNITY_BPS: int = Field(default=100, ge=0, le=10_000)
    EXPORT_INLINE_ROWS: int = Field(default=5_000, ge=1)  # larger CSV reports are made by a job
    PAYOUT_MINIMUM: int = Field(default=1_000, ge=1)  # fen: smaller balances wait for the next payout
    PAYOUT_ONBOARDING_RETURN_URL: str = "http://127.0.0.1:5000/api/docs"  # where Stripe's onboarding returns
    OSRM_URL: str | None = None  # e.g. http://osrm:5000: road distances for dispatch (great-circle x 1.3 without)
    LOGISTICS_HAUL_FEE: int = Field(default=1_000, ge=0)  # fen a courier earns for a group deal's haul
    ADS_RESERVE_CPC: int = Field(default=10, ge=1)  # fen: the least a click sells for
    ADS_RESERVE_CPM: int = Field(default=500, ge=1)  # fen: the least 1,000 impressions sell for
    ADS_MAX_RADIUS_M: int = Field(default=3_000, ge=100)  # the widest radius a campaign may target
    # Merchant financing (risk/financing): fen, days.
    FINANCING_MIN_OFFER: int = Field(default=50_000, ge=1)  # no offer below 500 yuan
    FINANCING_STORE_LIMIT: int = Field(default=10_000_000, ge=1)  # what one store may owe at once
    FINANCING_COMMUNITY_LIMIT: int = Field(default=50_000_000, ge=1)  # what one community's stores may owe
    FINANCING_OFFER_DAYS: int = Field(default=7, ge=1)  # an offer's validity
    FINANCING_DEFAULT_AFTER_DAYS: int = Field(default=60, ge=1)  # late this long: defaulted
    INSTANCE_PATH: str | None = None
    # Observability. /metrics: with METRICS_TOKEN, for whoever sends it as a bearer token; without,
    # for direct loopback connections in development and for nobody in production. Under gunicorn,
    # PROMETHEUS_MULTIPROC_DIR (an empty directory, gunicorn's environment only) adds up the workers.
    METRICS_TOKEN: str | None = Field(default=None, min_length=32)
    PROMETHEUS_MULTIPROC_DIR: str | None = None
    # Unhandled errors go to Sentry when SENTRY_DSN is set, without residents' personal data.
    SENTRY_DSN: str | None = None
    SENTRY_ENVIRONMENT: str | None = None  # default: LINLI_ENV
    SENTRY_RELEASE: str | None = None
    SENTRY_TRACES_SAMPLE_RATE: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql", "postgres:", "sqlite")):
            raise ValueError("must be a postgresql:// or sqlite:// URL")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver; accept the URL form every tool prints.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value

    @field_validator("METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR", "SENTRY_DSN", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("PROMETHEUS_MULTIPROC_DIR")
    @classmethod
    def _multiprocess_directory(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_dir():
            raise ValueError("must be an existing directory")
        return value

    @field_validator("SENTRY_DSN")
    @classmethod
    def _sentry_dsn(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be a Sentry DSN (https://key@host/project)")
        return value

    @field_validator("DEFAULT_TIMEZONE")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not an IANA time zone") from exc
        return value

    @model_validator(mode="after")
    def _production_needs_real_services(self) -> Settings:
        if self.LINLI_ENV == "production":
            missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not getattr(self, name)]
            if missing:
                raise ValueError(f"LINLI_ENV=production needs {', '.join(missing)}")
            if self.SECRET_KEY == DEV_SECRET_KEY:
                raise ValueError("LINLI_ENV=production needs its own SECRET_KEY")
            stripe_missing = [n for n in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET") if not getattr(self, n)]
            if stripe_missing or self.STRIPE_CONNECT_FAKE:
                raise ValueError(
                    f"LINLI_ENV=production needs {', '.join(stripe_missing) or 'STRIPE_CONNECT_FAKE off'}"
                )
        if self.COMMISSION_PLATFORM_BPS + self.COMMISSION_COMMUNITY_BPS > 10_000:
            raise ValueError("COMMISSION_PLATFORM_BPS + COMMISSION_COMMUNITY_BPS must not exceed 10000")
        return self

    def database_url(self, instance_path: str) -> str:
        if self.DATABASE_URL:
            return self.DATABASE_URL
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(instance_path) / 'linli.sqlite3'}"


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Read the environment (overrides win) and fail with the offending variable's name."""
    try:
        return Settings(**(overrides or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"Invalid configuration: {problems}") from None
