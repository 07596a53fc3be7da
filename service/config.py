"""Frozen service configuration, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
LOG_FORMATS = ("json", "console")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class Secret(str):
    """A string that never shows its value in repr or logs."""

    def __repr__(self) -> str:
        return "'****'"


@dataclass(frozen=True)
class Config:
    database_url: Secret | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    rubrics_dir: Path = ROOT / "rubrics"
    secret_key: Secret = Secret("development-only-secret-key")
    secret_key_previous: tuple[Secret, ...] = ()  # earlier SECRET_KEYs, while what they made is moved over
    webhook_allowed_hosts: tuple[str, ...] = ()
    webhook_retry_schedule: tuple[int, ...] = DEFAULT_RETRY_SCHEDULE
    log_level: str = "INFO"
    log_format: str = "json"
    max_body_bytes: int = 1024 * 1024
    db_pool_min: int = 2
    db_pool_max: int = 10
    api_key_cache_seconds: int = 60
    public_url: str = ""
    run_worker: bool = False
    rate_limit_per_minute: int = 0  # requests a minute per API key and web process; 0: no limit
    rate_limit_burst: int = 0  # requests a key may make at once; 0: as many as rate_limit_per_minute
    auth_failures_per_minute: int = 30  # failed authentications a minute per client address; 0: no limit
    auth_failures_burst: int = 10  # failed authentications an address may make at once
    idle_timeout_seconds: int = 15  # a connection with no whole request head this long after opening (or its
    #                                 last answer) is closed: idle keep-alives and half-sent heads alike
    body_timeout_seconds: int = 30  # a request whose body has not all arrived this long after its head: 408

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Config:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("DATABASE_URL"):
            values["database_url"] = Secret(env["DATABASE_URL"])
        values["host"] = env.get("HOST", cls.host)
        values["port"] = _int(env, "PORT", cls.port, low=0, high=65535)
        if env.get("RUBRICS_DIR"):
            values["rubrics_dir"] = Path(env["RUBRICS_DIR"]).resolve()
        if env.get("SECRET_KEY"):
            if len(env["SECRET_KEY"]) < 16:
                raise ConfigError("SECRET_KEY must be at least 16 characters")
            values["secret_key"] = Secret(env["SECRET_KEY"])
        previous = tuple(Secret(k.strip()) for k in env.get("SECRET_KEY_PREVIOUS", "").split(",") if k.strip())
        if any(len(k) < 16 for k in previous):
            raise ConfigError("each SECRET_KEY_PREVIOUS key must be at least 16 characters")
        values["secret_key_previous"] = previous
        values["webhook_allowed_hosts"] = tuple(
            h.strip().lower() for h in env.get("WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()
        )
        if env.get("WEBHOOK_RETRY_SCHEDULE"):
            values["webhook_retry_schedule"] = _schedule(env["WEBHOOK_RETRY_SCHEDULE"])
        level = env.get("LOG_LEVEL", cls.log_level).upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {level!r}")
        values["log_level"] = level
        fmt = env.get("LOG_FORMAT", cls.log_format).lower()
        if fmt not in LOG_FORMATS:
            raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
        values["log_format"] = fmt
        values["max_body_bytes"] = _int(env, "MAX_BODY_BYTES", cls.max_body_bytes, low=1024)
        values["db_pool_min"] = _int(env, "DB_POOL_MIN", cls.db_pool_min, low=1)
        values["db_pool_max"] = _int(env, "DB_POOL_MAX", cls.db_pool_max, low=1)
        values["api_key_cache_seconds"] = _int(env, "API_KEY_CACHE_SECONDS", cls.api_key_cache_seconds, low=0,
                                               high=3600)
        values["rate_limit_per_minute"] = _int(env, "RATE_LIMIT_PER_MINUTE", cls.rate_limit_per_minute, low=0)
        values["rate_limit_burst"] = _int(env, "RATE_LIMIT_BURST", cls.rate_limit_burst, low=0)
        values["auth_failures_per_minute"] = _int(env, "AUTH_FAILURES_PER_MINUTE", cls.auth_failures_per_minute,
                                                  low=0)
        values["auth_failures_burst"] = _int(env, "AUTH_FAILURES_BURST", cls.auth_failures_burst, low=1)
        values["idle_timeout_seconds"] = _int(env, "IDLE_TIMEOUT_SECONDS", cls.idle_timeout_seconds, low=1)
        values["body_timeout_seconds"] = _int(env, "BODY_TIMEOUT_SECONDS", cls.body_timeout_seconds, low=1)
        values["public_url"] = env.get("PUBLIC_URL", "").rstrip("/")
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """SECRET_KEY, then the previous keys: the first makes pseudonyms and seals, every one is recognised."""
        return (self.secret_key, *self.secret_key_previous)

    def require_database_url(self) -> str:
        if not self.database_url:
            raise ConfigError("DATABASE_URL is not set (use `make run` for a local embedded database)")
        return str(self.database_url)


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise ConfigError(f"{name} must be between {low} and {high if high is not None else '∞'}")
    return value


def _schedule(raw: str) -> tuple[int, ...]:
    try:
        steps = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds, not {raw!r}") from None
    if not steps or any(s < 0 for s in steps):
        raise ConfigError("WEBHOOK_RETRY_SCHEDULE needs at least one non-negative number of seconds")
    return steps
