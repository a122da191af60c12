"""Configuration read from the environment; one class per way of running the app."""

import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
# A local .env (see .env.example) fills in what the real environment does not set.
load_dotenv(BASE_DIR / ".env")
DEFAULT_SECRET_KEY = "dev-insecure-change-me"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_default() -> str:
    return f"sqlite:///{BASE_DIR / 'instance' / 'stockflow.db'}"


class Config:
    ENV_NAME = os.environ.get("STOCKFLOW_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_default()
    SQLALCHEMY_RECORD_QUERIES = False
    # Seconds to wait for a MySQL connection (connect, handshake, pre-ping, a free pooled one)
    # before answering 503.
    DB_CONNECT_TIMEOUT = _int("DB_CONNECT_TIMEOUT", 5)
    # Seconds an HTTP request waits for MySQL to answer one query before giving up with 503
    # (0: no limit). Keep it below GUNICORN_TIMEOUT. CLI commands and migrations are not limited.
    DB_QUERY_TIMEOUT = _int("DB_QUERY_TIMEOUT", 20)
    DB_POOL_SIZE = _int("DB_POOL_SIZE", 10)
    DB_POOL_RECYCLE = _int("DB_POOL_RECYCLE", 280)

    MAX_CONTENT_LENGTH = 1024 * 1024
    # Seconds a read of a request body waits for the client's next bytes under gunicorn before the
    # body is refused (400 bad_request). Keep it below GUNICORN_TIMEOUT.
    BODY_READ_TIMEOUT = _int("BODY_READ_TIMEOUT", 10)
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    TOKEN_TTL_DAYS = _int("TOKEN_TTL_DAYS", 30)
    # werkzeug.security method; tests lower the cost to keep the suite fast.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    # The dashboard's session cookie is Secure when the request came over HTTPS; set this behind a
    # proxy that ends TLS but is not counted in PROXY_COUNT, so the cookie never travels in clear.
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "true").lower() != "false"
    # Per client address, on register and login.
    RATELIMIT_AUTH = os.environ.get("RATELIMIT_AUTH", "10 per minute")
    # Per token (per client address when unauthenticated), on every other /api path.
    RATELIMIT_API = os.environ.get("RATELIMIT_API", "1200 per minute")

    # Webhooks: plain http:// URLs, and URLs that resolve to loopback or private addresses, are
    # refused unless these are set (development and tests only).
    WEBHOOK_ALLOW_HTTP = _flag("WEBHOOK_ALLOW_HTTP")
    WEBHOOK_ALLOW_PRIVATE_NETWORKS = _flag("WEBHOOK_ALLOW_PRIVATE_NETWORKS")
    # Seconds between a failed attempt and the next, one per retry (±20 % jitter); then `failed`.
    # 8 retries over about 15 hours.
    WEBHOOK_RETRY_SCHEDULE = os.environ.get("WEBHOOK_RETRY_SCHEDULE", "30,120,600,1800,3600,7200,14400,28800")
    # A worker holds a delivery this long; one that died holding it leaves it to the next sweep.
    WEBHOOK_CLAIM_SECONDS = _int("WEBHOOK_CLAIM_SECONDS", 60)
    # The scheduler sweeps every this many seconds for events and deliveries never enqueued.
    WEBHOOK_SWEEP_SECONDS = _int("WEBHOOK_SWEEP_SECONDS", 30)

    # Low-stock emails over SMTP. Without MAIL_SERVER they are written to the log instead.
    # MAIL_USE_TLS: STARTTLS on a plain connection (port 587); MAIL_USE_SSL: TLS from the start (465).
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM") or "StockFlow <stockflow@localhost>"
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    # A worker holds an email this long while sending it; one that died holding it leaves it to the next sweep.
    MAIL_CLAIM_SECONDS = _int("MAIL_CLAIM_SECONDS", 120)
    # Seconds between a failed sending and the next; then the email is `failed`.
    NOTIFICATION_RETRY_SCHEDULE = os.environ.get("NOTIFICATION_RETRY_SCHEDULE", "60,300,1800,7200")
    # The scheduler plans the emails due (each minute's, the digests) and sends them every this many seconds.
    NOTIFICATION_SWEEP_SECONDS = _int("NOTIFICATION_SWEEP_SECONDS", 15)

    # Background work (webhook deliveries, sweeps): Celery's broker. Unset: an embedded broker that
    # needs no server, kombu's filesystem transport in instance/broker/, for `make run`; Redis
    # (redis://host:6379/1) in compose and production.
    BROKER_URL = os.environ.get("BROKER_URL") or "filesystem://"
    BROKER_FOLDER = os.environ.get("BROKER_FOLDER") or str(BASE_DIR / "instance" / "broker")

    API_TITLE = "StockFlow API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    # /docs (the Swagger UI) and the dashboard serve their front-end packages from here, where
    # `npm ci` installs them (package-lock.json); nothing is loaded from a CDN.
    FRONTEND_MODULES = os.environ.get("FRONTEND_MODULES") or str(BASE_DIR / "node_modules")

    @classmethod
    def check(cls, config) -> None:
        """Refuse to run production with settings that are only safe for development."""
        if config["ENV_NAME"] != "production":
            return
        if config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
            raise RuntimeError("STOCKFLOW_ENV=production needs SECRET_KEY to be set")
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise RuntimeError("STOCKFLOW_ENV=production needs DATABASE_URL to point at MySQL")
        if config["BROKER_URL"].startswith("filesystem:"):
            # Its messages are files that only processes sharing the folder see: in containers the
            # worker would never get the app's deliveries.
            raise RuntimeError("STOCKFLOW_ENV=production needs BROKER_URL (redis://host:6379/1), not the embedded broker")


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_AUTH = "1000 per minute"
    RATELIMIT_API = "10000 per minute"
    LOG_LEVEL = "WARNING"
    # In-process and discarded: tests that need a worker start one on a real broker.
    BROKER_URL = "memory://"
    MAIL_SERVER = None
