"""Configuration rules: production refuses unsafe defaults; engines get the right options."""

import pytest

from app.auth.tokens import new_token
from app.common.digests import sha256_hex
from app.database import engine_options
from config import DEFAULT_SECRET_KEY, Config


def _config(**values):
    base = {"ENV_NAME": "production", "SECRET_KEY": "s3cret", "SQLALCHEMY_DATABASE_URI": "mysql+pymysql://u@db/stockflow",
            "BROKER_URL": "redis://redis:6379/1"}
    return {**base, **values}


def test_production_refuses_the_default_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Config.check(_config(SECRET_KEY=DEFAULT_SECRET_KEY))


def test_production_refuses_sqlite():
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        Config.check(_config(SQLALCHEMY_DATABASE_URI="sqlite:///x.db"))


def test_production_refuses_the_embedded_broker():
    with pytest.raises(RuntimeError, match="BROKER_URL"):
        Config.check(_config(BROKER_URL="filesystem://"))


def test_production_with_a_secret_and_mysql_is_accepted():
    Config.check(_config())


def test_development_accepts_the_defaults():
    Config.check(_config(ENV_NAME="development", SECRET_KEY=DEFAULT_SECRET_KEY, SQLALCHEMY_DATABASE_URI="sqlite://",
                         BROKER_URL="filesystem://"))


def test_mysql_engines_ping_recycle_and_speak_utf8mb4():
    options = engine_options({
        "SQLALCHEMY_DATABASE_URI": "mysql+pymysql://u@db/stockflow",
        "DB_POOL_RECYCLE": 280, "DB_POOL_SIZE": 10, "DB_CONNECT_TIMEOUT": 5,
    })
    assert options["pool_pre_ping"] is True
    assert options["pool_recycle"] == 280
    assert options["connect_args"] == {"charset": "utf8mb4", "connect_timeout": 5}


def test_tokens_are_long_random_and_digested_with_sha256():
    first, second = new_token(), new_token()
    assert first != second and len(first) > 40
    assert len(sha256_hex(first)) == 64 and sha256_hex(first) == sha256_hex(first)


def test_create_app_refuses_production_with_defaults():
    from app import create_app

    with pytest.raises(RuntimeError):
        create_app(Config, ENV_NAME="production", SECRET_KEY=DEFAULT_SECRET_KEY)


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False),
                                             ("no", False)])
def test_flags_such_as_the_webhook_ones_read_the_environment(monkeypatch, value, expected):
    from config import _flag

    monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", value)
    assert _flag("WEBHOOK_ALLOW_HTTP") is expected
