"""The API blueprint: flask-smorest's, plus authentication, roles, idempotency, a lenient JSON parser, shared error docs."""

from functools import wraps

import flask_smorest
from flask import request
from marshmallow import fields
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict

from app.auth.models import Role
from app.auth.security import current_company_id, require
from app.common import csvio
from app.common.jsonbody import request_json
from app.common.schemas import ErrorSchema
from app.errors import ValidationFailed
from app.idempotency.service import HEADER, run_idempotently

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Makes the request safe to retry for 24 hours: the same key with the same body replays the "
        "first successful answer (with `Idempotent-Replayed: true`) and applies nothing again; the same "
        "key with another body → 422 `idempotency_key_reused`. Keys are per company. Failed requests "
        "are not stored and may be retried with the same key."
    ),
}


# Headers that come with the documented error answers (see app/errors.py).
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}


# List arguments an export ignores: it answers every matching row.
PAGING = frozenset({"page", "per_page", "limit"})
CSV_ANSWER = {200: {"content": {csvio.CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}}

# The view methods that change something: with the session cookie they need the CSRF token.
WRITES = frozenset({"post", "put", "patch", "delete"})


def refuse_unknown_query(func):
    """A request that changes something takes no query argument but those its view reads
    (`query_arguments`, set by Blueprint.arguments): any other → 422 naming it, before anything is
    done, so that a misspelt `?dryrun=true` is refused rather than ignored and the import done for real.
    Reads ignore query arguments they do not take."""
    known = getattr(func, "query_arguments", frozenset())

    @wraps(func)
    def wrapper(*args, **kwargs):
        unknown = sorted(set(request.args) - known)
        if unknown:
            raise ValidationFailed(
                "This request takes no such query argument; nothing was done", {name: ["Unknown query argument."] for name in unknown})
        return func(*args, **kwargs)

    return wrapper


class JsonBodyParser(FlaskParser):
    """Parse a request body as JSON whatever its Content-Type.

    `curl -d` sends form-encoded bodies by default; rather than silently ignoring such a body,
    we parse it and answer 400 malformed_json when it is not JSON.
    """

    def _raw_load_json(self, req):
        return request_json()

    def load_querystring(self, req, schema):
        """The query string; an export (a list's ExportArgs asking for CSV) answers every row, so its
        paging arguments are neither read nor checked. An argument given twice (`?days=7&days=30`)
        is refused rather than read as its first value."""
        args = req.args
        if isinstance(schema, csvio.ExportArgs) and csvio.wants_csv(args.get("format")):
            args = MultiDict([(key, value) for key, value in args.items(multi=True) if key not in PAGING])
        keys = {field.data_key or name: field for name, field in schema.fields.items()}
        repeated = sorted(key for key, field in keys.items() if not _takes_many(field) and len(args.getlist(key)) > 1)
        if repeated:
            raise ValidationFailed("A query argument is given more than once", {key: ["Give it once."] for key in repeated})
        return self._makeproxy(args, schema)


def _documents(func, status: int) -> bool:
    """Whether the view's documentation already lists this status (an answer, or its arguments' 422)."""
    apidoc = getattr(func, "_apidoc", {})
    return any(status in apidoc.get(part, {}).get("responses", {}) for part in ("response", "arguments"))


def _takes_many(field) -> bool:
    """Whether a query argument may be repeated, by webargs' rule: the field's own `is_multiple`,
    else whether it is a list or a tuple."""
    declared = getattr(field, "is_multiple", None)
    return declared if declared is not None else isinstance(field, fields.List | fields.Tuple)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's, also documenting what a JSON body can get besides the 422 it documents itself.
        A schema class is instantiated once here rather than by webargs on every request."""
        schema = schema() if isinstance(schema, type) else schema
        parse = super().arguments(schema, location=location, **kwargs)
        if location == "query":
            names = frozenset(field.data_key or name for name, field in schema.fields.items())

            def declaring(func):
                parsed = parse(func)
                # What refuse_unknown_query lets through, with those of any other query schema of the view.
                parsed.query_arguments = names | getattr(parsed, "query_arguments", frozenset())
                return parsed

            return declaring
        if location != "json":
            return parse

        def decorator(func):
            documented = self.alt_response(400, schema=ErrorSchema, description="malformed_json: the body is not JSON")(parse(func))
            return self.alt_response(413, schema=ErrorSchema, description="payload_too_large: the body is over 1 MiB")(documented)

        return decorator

    def uses_database(self, func):
        """Document the 503 any request that reads or writes the database may get."""
        return self.alt_response(
            503, schema=ErrorSchema, headers=RETRY_AFTER,
            description="unavailable: the database is down, too slow, or stayed deadlocked; retry after Retry-After seconds",
        )(func)

    def auth_required(self, role: Role = Role.viewer):
        """Require a bearer token whose user has at least `role`; documents 401/403, 429 and 503."""

        def decorator(func):
            checked = refuse_unknown_query(func) if func.__name__ in WRITES else func

            @wraps(func)
            def wrapper(*args, **kwargs):
                require(role)
                return checked(*args, **kwargs)

            documented = self.doc(security=[{"bearerAuth": []}])(wrapper)
            documented = self.alt_response(
                401, schema=ErrorSchema, headers=WWW_AUTHENTICATE, description="Missing, invalid, expired or revoked token"
            )(documented)
            refusals = [f"Needs the {role.name} role or higher"] if role > Role.viewer else []
            if func.__name__ in WRITES:
                refusals.append("csrf_failed: made with the dashboard's session cookie but without its X-CSRF-Token")
            if refusals:
                documented = self.alt_response(403, schema=ErrorSchema, description="; ".join(refusals))(documented)
            if func.__name__ in WRITES and not _documents(func, 422):
                documented = self.alt_response(
                    422, schema=ErrorSchema, description="validation_error: a query argument this request does not take")(documented)
            # Every /api path counts against the caller's per-token rate limit.
            documented = self.alt_response(
                429, schema=ErrorSchema, headers=RETRY_AFTER, description="rate_limited: too many requests with this token"
            )(documented)
            return self.uses_database(documented)

        return decorator

    def idempotent(self):
        """Honour an Idempotency-Key header (see IDEMPOTENCY_PARAMETER); goes below @retry_on_deadlock."""

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                key = request.headers.get(HEADER)
                if key is None:
                    return func(*args, **kwargs)
                return run_idempotently(current_company_id(), key, func, *args, **kwargs)

            return self.doc(parameters=[IDEMPOTENCY_PARAMETER])(wrapper)

        return decorator

    def exports_csv(self, name: str, header: list[str], chunks_of):
        """Let a list answer CSV too (csvio.wants_csv; its arguments include csvio.ExportArgs): every matching row, as the attachment
        `<name>.csv` with these columns; `chunks_of(caller's company id, **filters, **path args)` gives
        the rows in chunks, checking what it must (a 404) before it returns. Goes right above the view."""

        def decorator(func):
            @wraps(func)
            def wrapper(view, args, **kwargs):
                if not csvio.wants_csv(args.pop("format", None)):
                    return func(view, args, **kwargs)
                filters = {key: value for key, value in args.items() if key not in PAGING}
                return csvio.csv_response(name, header, chunks_of(current_company_id(), **filters, **kwargs))

            return self.doc(responses=CSV_ANSWER)(wrapper)

        return decorator
