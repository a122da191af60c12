"""Who is calling: bearer-token authentication and role checks."""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask import current_app, g, request
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ApiToken, Role, User, usable
from app.common.bearer import MAX_TOKEN_LENGTH, SESSION_COOKIE, bearer_token
from app.common.digests import sha256_hex
from app.common.time import utcnow
from app.common.transaction import use_case
from app.errors import CsrfFailed, Forbidden, Unauthorized
from app.extensions import db

# last_used_at is informational: writing it on every call would turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


# The dashboard's sign-in (POST /api/auth/session) keeps its token in an HttpOnly cookie
# (SESSION_COOKIE), out of reach of the page's scripts; a request that changes something must also
# prove it comes from the page, with the session's CSRF token in this header.
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(token: str) -> str:
    """The CSRF token of a session: derived from its token, so nothing more is stored."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def request_token() -> str | None:
    """The caller's token: an `Authorization: Bearer …` header's, else the session cookie's.

    With the cookie, a request other than GET/HEAD/OPTIONS without the session's CSRF token is
    refused (403 csrf_failed), whatever the token.
    """
    token = bearer_token(request.headers.get("Authorization"))
    if token is not None:
        return token
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
        request.headers.get(CSRF_HEADER, "").encode(), csrf_token(token).encode()
    ):
        raise CsrfFailed()
    return token


@dataclass(frozen=True)
class Caller:
    """Who a request is made by: what every request needs of its token and user, read in one query."""

    user_id: int
    company_id: int
    role: Role
    token_id: int


# The token, with what decides whether it may be used and who holds it: columns, not entities, as
# this runs on every request.
_CALLER = (
    sa.select(ApiToken.id.label("token_id"), ApiToken.token_hash, ApiToken.expires_at, ApiToken.revoked_at,
              ApiToken.last_used_at, User.id.label("user_id"), User.company_id, User.role, User.is_active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("digest"))
)


def authenticate(token: str | None) -> Caller:
    """The caller behind a bearer token, read from the database on every request (a revoked token
    is refused at once), or Unauthorized."""
    if token is None:
        raise Unauthorized()
    digest = sha256_hex(token)
    row = db.session.connection().execute(_CALLER, {"digest": digest}).first()
    now = utcnow()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or not usable(row.revoked_at, row.expires_at, row.is_active, now):
        raise Unauthorized("The bearer token is invalid, expired or revoked")
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        with use_case():
            db.session.execute(sa.update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now))
    return Caller(user_id=row.user_id, company_id=row.company_id, role=Role[row.role], token_id=row.token_id)


def require(role: Role) -> None:
    """Authenticate the request and check its role; remember the caller in `g`."""
    caller = authenticate(request_token())
    g.caller, g.company_id = caller, caller.company_id
    if caller.role < role:
        raise Forbidden(f"This action needs the {role.name} role; you are {caller.role.name}")


def current_user_id() -> int:
    return g.caller.user_id


def current_user() -> User:
    """The calling user, loaded when a view needs more of them than their id."""
    return db.session.get(User, g.caller.user_id)


def current_token() -> ApiToken:
    """The token the request is made with."""
    return db.session.get(ApiToken, g.caller.token_id)


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
