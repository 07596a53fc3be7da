"""Configuration from the environment: defaults, validation naming the variable, hidden secrets."""

from __future__ import annotations

import pytest

from service.config import DEFAULT_RETRY_SCHEDULE, Config, ConfigError


def test_defaults() -> None:
    config = Config.from_env({})
    assert (config.host, config.port, config.log_format) == ("127.0.0.1", 8080, "json")
    assert config.webhook_retry_schedule == DEFAULT_RETRY_SCHEDULE
    assert config.rubrics_dir.name == "rubrics"
    assert config.database_url is None


def test_values_are_parsed() -> None:
    config = Config.from_env({
        "DATABASE_URL": "postgresql://u:pw@db/x", "PORT": "9000", "WEBHOOK_ALLOWED_HOSTS": "a.test, B.test",
        "WEBHOOK_RETRY_SCHEDULE": "1,2,3", "LOG_LEVEL": "debug", "SECRET_KEY": "k" * 32,
        "SECRET_KEY_PREVIOUS": f"{'o' * 20}, {'p' * 20}"})
    assert config.port == 9000
    assert config.secret_keys == ("k" * 32, "o" * 20, "p" * 20)
    assert config.webhook_allowed_hosts == ("a.test", "b.test")
    assert config.webhook_retry_schedule == (1, 2, 3)
    assert config.log_level == "DEBUG"


@pytest.mark.parametrize(("env", "name"), [
    ({"PORT": "eighty"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ({"WEBHOOK_RETRY_SCHEDULE": "5,soon"}, "WEBHOOK_RETRY_SCHEDULE"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SECRET_KEY_PREVIOUS": "x" * 20 + ",short"}, "SECRET_KEY_PREVIOUS"),
])
def test_bad_values_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env(env)


def test_secrets_never_show_in_repr() -> None:
    config = Config.from_env({"DATABASE_URL": "postgresql://u:hunter2@db/x", "SECRET_KEY": "s3cr3t-value-long-enough",
                              "SECRET_KEY_PREVIOUS": "0ld-s3cr3t-value-long-enough"})
    text = repr(config)
    assert "hunter2" not in text and "s3cr3t" not in text
    assert str(config.database_url) == "postgresql://u:hunter2@db/x"


def test_missing_database_url_is_named() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Config.from_env({}).require_database_url()
