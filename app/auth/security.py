"""Who is calling: bearer-token authentication and role checks."""

import datetime as dt
import hashlib
import hmac
from functools import cache

import sqlalchemy as sa
from flask import current_app, g, request
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import ApiToken, Role, User
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


def authenticate(token: str | None) -> tuple[User, ApiToken]:
    """The user and token behind a bearer token, or Unauthorized."""
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


def require(role: Role) -> None:
    """Authenticate the request and check its role; remember the caller in `g`."""
    user, api_token = authenticate(request_token())
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
