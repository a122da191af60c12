"""Domain exceptions and the one JSON error shape every failure is answered with."""

import contextlib
import logging
from http import HTTPStatus

from flask import Flask, g, jsonify, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.common.schemas import dotted
from app.extensions import db

log = logging.getLogger("stockflow.errors")


class DomainError(Exception):
    """A failure the client can act on: carries its HTTP status and slug."""

    status_code = 400
    slug = "bad_request"
    default_message = "The request could not be processed"

    def __init__(self, message: str | None = None, errors: dict | None = None, **details):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.errors = errors
        # Extra machine-readable keys for the body, e.g. which products are short.
        self.details = details


@contextlib.contextmanager
def about(prefix: str):
    """Name the part of the body a refusal inside is about: its fields become `<prefix>.<field>`
    (`movements.3.quantity`, `lines.0.quantity`), or `<prefix>` when it names none."""
    try:
        yield
    except DomainError as error:
        error.errors = {f"{prefix}.{field}": messages for field, messages in error.errors.items()} if error.errors else {prefix: [error.message]}
        error.message = f"{prefix}: {error.message}"
        raise


class ValidationFailed(DomainError):
    status_code, slug, default_message = 422, "validation_error", "The request is invalid"


class MalformedJson(DomainError):
    status_code, slug, default_message = 400, "malformed_json", "The request body is not valid JSON"

    def __init__(self, message: str | None = None, errors: dict | None = None, **details):
        super().__init__(message, errors or {"body": ["Invalid JSON."]}, **details)


class Unauthorized(DomainError):
    status_code, slug, default_message = 401, "unauthorized", "A valid bearer token is required"


class Forbidden(DomainError):
    status_code, slug, default_message = 403, "forbidden", "Your role does not allow this action"


class CsrfFailed(Forbidden):
    slug, default_message = "csrf_failed", "A request made with the session cookie must carry the session's CSRF token in X-CSRF-Token"


class NotFound(DomainError):
    status_code, slug, default_message = 404, "not_found", "The resource does not exist"


class Conflict(DomainError):
    status_code, slug, default_message = 409, "conflict", "The request conflicts with the current state"


class EmailTaken(Conflict):
    slug = "email_taken"


class NameTaken(Conflict):
    slug = "name_taken"


class InUse(Conflict):
    slug = "in_use"


class SkuTaken(Conflict):
    slug = "sku_taken"


class InsufficientStock(Conflict):
    slug, default_message = "insufficient_stock", "Not enough available stock"


class StaleQuantity(Conflict):
    slug, default_message = "stale_quantity", "On-hand stock changed since it was read"


class BundleHasNoStock(Conflict):
    slug, default_message = "bundle_has_no_stock", "Bundles hold no stock: move their components instead"


class InvalidTransition(Conflict):
    slug = "invalid_transition"


class OverReceipt(Conflict):
    slug, default_message = "over_receipt", "A line cannot receive more than was ordered"


class BundleCycle(ValidationFailed):
    slug, default_message = "bundle_cycle", "A bundle cannot contain itself, directly or through other bundles"


class BundleTooDeep(ValidationFailed):
    slug, default_message = "bundle_too_deep", "Bundles nest at most 10 levels deep"


class LastAdmin(Conflict):
    slug, default_message = "last_admin", "A company must keep at least one active admin"


class PayloadTooLarge(DomainError):
    status_code, slug, default_message = 413, "payload_too_large", "The request body is too large"


class Unavailable(DomainError):
    status_code, slug, default_message = 503, "unavailable", "The service is temporarily unavailable"


# Slugs for the HTTP errors raised by Flask, werkzeug, webargs and Flask-Limiter.
HTTP_SLUGS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_response(status: int, slug: str, message: str, errors: dict | None = None, headers=None, **details):
    body = {"code": status, "status": HTTPStatus(status).phrase, "error": slug, "message": message}
    if errors:
        body["errors"] = errors
    body.update(details)
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_webargs_messages(messages: dict) -> dict:
    """webargs nests errors by location ({"json": {...}, "query": {...}}); clients want field → list of
    messages. A nested field's messages are listed under its top-level field, each after its path
    within it ({"items": ["0.quantity: Must be …"]}); a schema that names nested fields by their
    full path (PathNamedErrors: batches, purchase orders) has none left to nest."""
    flat: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            flat.update((field, _listed(field, value)) for field, value in errors.items())
        else:
            flat[location] = errors
    # marshmallow reports a body of the wrong type (an array, a string) under "_schema".
    if flat.get("_schema") == ["Invalid input type."]:
        flat["body"] = ["Expected a JSON object."]
        del flat["_schema"]
    return flat


def _listed(field: str, messages) -> list[str]:
    """A field's messages as a list, those of what is nested in it after their path within it."""
    if not isinstance(messages, dict):
        return [messages] if isinstance(messages, str) else messages
    return [f"{path.removeprefix(field + '.')}: {message}" if path != field else message
            for path, listed in dotted(messages, f"{field}.").items() for message in _listed(path, listed)]


# Every 503 tells the client when to try again.
RETRY_AFTER_SECONDS = "5"


def handle_domain_error(error: DomainError):
    db.session.rollback()
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if error.status_code == 503 else None
    return error_response(error.status_code, error.slug, error.message, error.errors, headers, **error.details)


def handle_http_exception(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    slug = HTTP_SLUGS.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    message = error.description or HTTPStatus(status).description
    data = getattr(error, "data", None) or {}
    errors = _flatten_webargs_messages(data["messages"]) if "messages" in data else None
    headers = dict(data.get("headers") or {})
    if status == 422:
        message = "The request is invalid: see errors for each field"
    elif status == 404:
        message = "The resource does not exist"
    elif status == 405:
        message = "The method is not allowed for this path"
        headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))  # in one order, as OPTIONS lists them
    elif status == 413:
        limit = request.max_content_length or 0
        message = f"The request body is larger than {limit // (1024 * 1024)} MiB"
    elif status == 429:
        message = f"Rate limit exceeded ({error.description}); retry later"
    return error_response(status, slug, message, errors, headers)


def handle_database_unavailable(error: DBAPIError | PoolTimeout):
    db.session.rollback()
    log.error("database unavailable: %s", getattr(error, "orig", error), extra={"request_id": g.get("request_id")})
    return error_response(503, "unavailable", "The database is unavailable; retry shortly", headers={"Retry-After": RETRY_AFTER_SECONDS})


def handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("unhandled exception", extra={"request_id": g.get("request_id")})
    return error_response(500, "internal_error", "An unexpected error occurred; it has been logged")


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DBAPIError, _database_error)
    # No pooled connection came free within DB_CONNECT_TIMEOUT: the database is too slow to serve.
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)


def _database_error(error: DBAPIError):
    # Lost or refused connections are the database being away; anything else is a bug. A link
    # that dies mid-query can surface as an InterfaceError as well as an OperationalError.
    if is_connection_error(error):
        return handle_database_unavailable(error)
    return handle_unexpected(error)


# MySQL client errors meaning "no usable connection": can't connect, gone away, lost, timeout.
CONNECTION_ERROR_CODES = {2002, 2003, 2005, 2006, 2013, 2055}


def is_connection_error(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    args = getattr(error.orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in CONNECTION_ERROR_CODES
    # SQLite: the file cannot be opened.
    return "unable to open database" in str(error.orig)
