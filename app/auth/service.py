"""Accounts use cases: register a company, log in, revoke tokens, manage a company's users."""

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.auth.models import ApiToken, Role, User
from app.auth.security import hash_password, password_matches
from app.auth.tokens import new_token
from app.common.digests import sha256_hex
from app.common.integrity import flush_or_taken
from app.common.pagination import paginate
from app.common.tenancy import get_owned, scoped
from app.common.time import utcnow
from app.common.transaction import use_case
from app.companies.models import Company
from app.errors import EmailTaken, LastAdmin, Unauthorized
from app.extensions import db


def _issue_token(user: User, name: str | None = None) -> tuple[str, ApiToken]:
    token = new_token()
    api_token = ApiToken(
        user=user,
        token_hash=sha256_hex(token),
        name=name,
        expires_at=utcnow() + dt.timedelta(days=current_app.config["TOKEN_TTL_DAYS"]),
    )
    db.session.add(api_token)
    return token, api_token


def _flush_or_email_taken(email: str) -> None:
    # The unique constraint on users.email decides, also between concurrent requests.
    flush_or_taken("email", EmailTaken(f"Email '{email}' is already registered", {"email": ["already registered"]}))


def register(company_name: str, email: str, password: str, name: str | None = None):
    """Create a company with its first admin; return (company, user, token, api_token)."""
    with use_case():
        company = Company(name=company_name)
        user = User(company=company, email=email, name=name, password_hash=hash_password(password), role=Role.admin.name)
        db.session.add_all([company, user])
        token, api_token = _issue_token(user, "register")
        _flush_or_email_taken(email)
    return company, user, token, api_token


def log_in(email: str, password: str, token_name: str | None = None) -> tuple[str, ApiToken]:
    """A new token for valid credentials; the same Unauthorized for any wrong part."""
    with use_case():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if not password_matches(user.password_hash if user else None, password) or not user.is_active:
            raise Unauthorized("Invalid email or password")
        token, api_token = _issue_token(user, token_name)
    return token, api_token


def revoke(api_token: ApiToken) -> None:
    with use_case():
        api_token.revoked_at = utcnow()


def list_users(company_id: int, page: int, per_page: int) -> dict:
    return paginate(scoped(User, company_id).order_by(User.id), page, per_page)


def get_user(company_id: int, user_id: int) -> User:
    return get_owned(User, company_id, user_id)


def create_user(company_id: int, email: str, password: str, role: str, name: str | None = None) -> User:
    with use_case():
        user = User(company_id=company_id, email=email, name=name, password_hash=hash_password(password), role=role)
        db.session.add(user)
        _flush_or_email_taken(email)
    return user


def update_user(company_id: int, user_id: int, changes: dict, calling_token_id: int | None = None) -> User:
    """Change a user's name, role, status or password; the company keeps an active admin.

    A new password revokes the user's tokens, as a password change should: whoever held one with
    the old password holds nothing now. The token making the request is spared (an admin changing
    their own password stays signed in). Deactivating revokes them all.
    """
    with use_case():
        user = get_owned(User, company_id, user_id, for_update=True)
        if "password" in changes:
            user.password_hash = hash_password(changes.pop("password"))
            _revoke_all(user, sparing=calling_token_id)
        for field, value in changes.items():
            setattr(user, field, value)
        if not user.is_active:
            _revoke_all(user)
        _ensure_an_active_admin(company_id)
    return user


def deactivate_user(company_id: int, user_id: int) -> None:
    """Users are kept for the history that names them; deleting deactivates and revokes tokens."""
    update_user(company_id, user_id, {"is_active": False})


def _revoke_all(user: User, sparing: int | None = None) -> None:
    tokens = sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if sparing is not None:
        tokens = tokens.where(ApiToken.id != sparing)
    db.session.execute(tokens.values(revoked_at=utcnow()))


def _ensure_an_active_admin(company_id: int) -> None:
    # Lock the company's admins so two admins cannot demote each other at the same moment.
    admins = db.session.scalars(
        scoped(User, company_id).where(User.role == Role.admin.name, User.is_active.is_(True)).with_for_update()
    ).all()
    if not admins:
        raise LastAdmin("This change would leave the company without an active admin")
