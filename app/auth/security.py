"""Who is calling: bearer-token authentication and role checks."""

import datetime as dt
import hmac
from functools import cache

import sqlalchemy as sa
from flask import current_app, g
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ApiToken, Role, User
from app.common.bearer import bearer_token
from app.common.digests import sha256_hex
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import Forbidden, Unauthorized
from app.extensions import db

# last_used_at is informational: writing it on every call would turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def authenticate(authorization: str | None) -> tuple[User, ApiToken]:
    """The user and token behind an `Authorization: Bearer …` header, or Unauthorized."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized()
    digest = sha256_hex(token)
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == digest).options(sa.orm.joinedload(ApiToken.user))
    )
    now = utcnow()
    if api_token is None or not hmac.compare_digest(api_token.token_hash, digest) or not api_token.is_usable(now):
        raise Unauthorized("The bearer token is invalid, expired or revoked")
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        with use_case():
            api_token.last_used_at = now
    return api_token.user, api_token


def require(role: Role, authorization: str | None) -> None:
    """Authenticate the request and check its role; remember the caller in `g`."""
    user, api_token = authenticate(authorization)
    g.current_user, g.current_token, g.company_id = user, api_token, user.company_id
    if not user.has_role(role):
        raise Forbidden(f"This action needs the {role.name} role; you are {user.role}")


def current_user() -> User:
    return g.current_user


def current_company_id() -> int:
    return g.company_id


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-the-password", method=method)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, check against a dummy so timing does not reveal unknown emails."""
    if password_hash is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(password_hash, password)
