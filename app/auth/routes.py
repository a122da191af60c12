"""HTTP endpoints: /api/auth (register, token, me) and /api/users."""

import functools

from flask import after_this_request, current_app, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address

from app.auth import service
from app.auth.models import Role
from app.auth.schemas import (
    LoginSchema,
    MeSchema,
    RegisteredSchema,
    RegisterSchema,
    SessionSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)
from app.auth.security import csrf_token, current_company_id, current_token, current_user
from app.blueprint import Blueprint, refuse_unknown_query
from app.common.bearer import SESSION_COOKIE
from app.common.digests import sha256_hex
from app.common.pagination import PageArgs, page_of
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
from app.errors import CsrfFailed
from app.extensions import limiter

auth_blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Register, log in, who am I")
users_blp = Blueprint("users", __name__, url_prefix="/api/users", description="A company's users and roles (admin)")


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


# Register, log in and sign in are limited per client address, before any token exists: one budget
# for the three, so that guessing passwords on one does not get the others' attempts too.
auth_limit = limiter.shared_limit(_auth_limit, scope="auth", key_func=get_remote_address)


@auth_blp.route("/register")
class Register(MethodView):
    @auth_limit
    @retry_on_deadlock
    @refuse_unknown_query
    @auth_blp.arguments(RegisterSchema)
    @auth_blp.response(201, RegisteredSchema)
    @auth_blp.alt_response(409, schema=ErrorSchema, description="email_taken")
    @auth_blp.alt_response(429, schema=ErrorSchema, description="Too many attempts from this address")
    @auth_blp.uses_database
    def post(self, data):
        """Create a company and its first admin; returns a token"""
        company, user, token, api_token = service.register(**data)
        return {"company": company, "user": user, "token": token, "expires_at": api_token.expires_at}


@auth_blp.route("/token")
class Token(MethodView):
    @auth_limit
    @retry_on_deadlock
    @refuse_unknown_query
    @auth_blp.arguments(LoginSchema)
    @auth_blp.response(200, TokenSchema)
    @auth_blp.alt_response(401, schema=ErrorSchema, description="Invalid email or password")
    @auth_blp.alt_response(429, schema=ErrorSchema, description="Too many attempts from this address")
    @auth_blp.uses_database
    def post(self, data):
        """Log in: exchange email and password for a new bearer token"""
        token, api_token = service.log_in(**data)
        return {"token": token, "expires_at": api_token.expires_at}

    @auth_blp.auth_required()
    @retry_on_deadlock
    @auth_blp.response(204)
    def delete(self):
        """Revoke the token this request is made with"""
        service.revoke(current_token())


def _sent_as_json(view):
    """Refuse a sign-in not sent as application/json before its body is read: a form on another site
    can post text/plain (or a form encoding) that parses as JSON, and sign the browser into the
    sender's account; only a script of the page itself can send application/json."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.mimetype != "application/json":
            raise CsrfFailed("Sign in with a JSON body sent as Content-Type: application/json")
        return view(*args, **kwargs)

    return checked


@auth_blp.route("/session")
class Session(MethodView):
    @auth_limit
    @retry_on_deadlock
    @refuse_unknown_query
    @_sent_as_json
    @auth_blp.arguments(LoginSchema)
    @auth_blp.response(201, SessionSchema)
    @auth_blp.alt_response(401, schema=ErrorSchema, description="Invalid email or password")
    @auth_blp.alt_response(403, schema=ErrorSchema, description="csrf_failed: the body was not sent as application/json")
    @auth_blp.alt_response(429, schema=ErrorSchema, description="Too many attempts from this address")
    @auth_blp.uses_database
    def post(self, data):
        """Sign in a browser: a new token, set as an HttpOnly cookie, and the session's CSRF token

        What the dashboard (`/app/`) uses instead of `POST /api/auth/token`. The token (the same kind,
        expiring after `TOKEN_TTL_DAYS`) is not in the body: it is the cookie `stockflow_session`
        (HttpOnly, SameSite=Strict, Path=/api, Secure over HTTPS), which then authenticates /api calls
        like a bearer header. A call with the cookie that changes something (any method but
        GET/HEAD/OPTIONS) must also send `X-CSRF-Token: <csrf_token>`, else 403 `csrf_failed`. Scripts
        on the page never see the token, so an injected script cannot carry it away. The body must
        be sent as `Content-Type: application/json` (else 403 `csrf_failed`), which a form on
        another site cannot do.
        """
        data.setdefault("token_name", "dashboard")
        token, api_token = service.log_in(**data)

        @after_this_request
        def set_cookie(response):
            response.set_cookie(SESSION_COOKIE, token, expires=api_token.expires_at, path="/api",
                                secure=_secure_cookie(), httponly=True, samesite="Strict")
            return response

        return _session(api_token.user, api_token, csrf_token(token))

    @auth_blp.auth_required()
    @auth_blp.response(200, SessionSchema)
    def get(self):
        """The signed-in user, their company and the session's CSRF token"""
        token = request.cookies.get(SESSION_COOKIE)
        signed_in_by_cookie = token is not None and sha256_hex(token) == current_token().token_hash
        return _session(current_user(), current_token(), csrf_token(token) if signed_in_by_cookie else None)

    @auth_blp.auth_required()
    @retry_on_deadlock
    @auth_blp.response(204)
    def delete(self):
        """Sign out: revoke the session's token and clear the cookie"""
        service.revoke(current_token())

        @after_this_request
        def clear_cookie(response):
            response.delete_cookie(SESSION_COOKIE, path="/api", secure=_secure_cookie(), httponly=True, samesite="Strict")
            return response


def _secure_cookie() -> bool:
    """Secure when the request came over HTTPS, or always with SESSION_COOKIE_SECURE (behind a proxy
    that ends TLS and is not trusted with PROXY_COUNT)."""
    return request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]


def _session(user, api_token, csrf: str | None) -> dict:
    return {"user": user, "company": user.company, "csrf_token": csrf, "expires_at": api_token.expires_at}


@auth_blp.route("/me")
class Me(MethodView):
    @auth_blp.auth_required()
    @auth_blp.response(200, MeSchema)
    def get(self):
        """The calling user and their company"""
        user = current_user()
        return {"user": user, "company": user.company}


@users_blp.route("")
class Users(MethodView):
    @users_blp.auth_required(Role.admin)
    @users_blp.arguments(PageArgs, location="query")
    @users_blp.response(200, page_of(UserSchema))
    def get(self, args):
        """List the company's users"""
        return service.list_users(current_company_id(), **args)

    @users_blp.auth_required(Role.admin)
    @retry_on_deadlock
    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    @users_blp.alt_response(409, schema=ErrorSchema, description="email_taken")
    def post(self, data):
        """Add a user to the company with a role"""
        return service.create_user(current_company_id(), **data)


@users_blp.route("/<int:user_id>")
class UserItem(MethodView):
    @users_blp.auth_required(Role.admin)
    @users_blp.response(200, UserSchema)
    @users_blp.alt_response(404, schema=ErrorSchema, description="No such user in your company")
    def get(self, user_id):
        """One user of the company"""
        return service.get_user(current_company_id(), user_id)

    @users_blp.auth_required(Role.admin)
    @retry_on_deadlock
    @users_blp.arguments(UserUpdateSchema)
    @users_blp.response(200, UserSchema)
    @users_blp.alt_response(404, schema=ErrorSchema, description="No such user in your company")
    @users_blp.alt_response(409, schema=ErrorSchema, description="last_admin: the company would have no active admin")
    def patch(self, data, user_id):
        """Change a user's name, role, password or active flag

        Deactivating a user revokes all their tokens; a new password revokes all of them but the
        token making this request.
        """
        return service.update_user(current_company_id(), user_id, data, current_token().id)

    @users_blp.auth_required(Role.admin)
    @retry_on_deadlock
    @users_blp.response(204)
    @users_blp.alt_response(404, schema=ErrorSchema, description="No such user in your company")
    @users_blp.alt_response(409, schema=ErrorSchema, description="last_admin: the company would have no active admin")
    def delete(self, user_id):
        """Deactivate a user and revoke their tokens (kept for the history that names them)"""
        service.deactivate_user(current_company_id(), user_id)
