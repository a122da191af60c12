"""Extension objects, created unbound and attached to the app in create_app."""

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.common.bearer import SESSION_COOKIE, bearer_token
from app.common.digests import sha256_hex
from app.common.schemas import ErrorSchema


class Base(DeclarativeBase):
    # Named constraints, so migrations can alter them on every database (SQLite batch mode).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class StockFlowApi(Api):
    # Documents every operation's default error response with our error body.
    ERROR_SCHEMA = ErrorSchema


def rate_limit_key() -> str:
    """Limit API calls per token, falling back to the client address."""
    token = bearer_token(request.headers.get("Authorization")) or request.cookies.get(SESSION_COOKIE)
    if token:
        # Only a digest of the token reaches the limiter's storage.
        return "token:" + sha256_hex(token)
    return "addr:" + (get_remote_address() or "unknown")


# Objects stay readable after commit: a use case commits once and its answer is dumped from the
# objects it just wrote, without reloading each of them.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = StockFlowApi()
# Limits are read from the app's config on each request (RATELIMIT_API, RATELIMIT_AUTH), so one
# Limiter serves every app built by create_app. RATELIMIT_API is one budget per token for all /api
# paths together (an application limit: a default limit would give each route a budget of its own).
limiter = Limiter(
    key_func=rate_limit_key,
    application_limits=[lambda: current_app.config["RATELIMIT_API"]],
    application_limits_exempt_when=lambda: not request.path.startswith("/api/"),
)
