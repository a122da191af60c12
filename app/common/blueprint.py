"""The API blueprint: flask-smorest's, plus authentication, roles, idempotency and a lenient JSON parser."""

from functools import wraps

import flask_smorest
from flask import request
from webargs import core
from webargs.flaskparser import FlaskParser

from app.auth.models import Role
from app.auth.security import current_company_id, require
from app.common.schemas import ErrorSchema
from app.common.transaction import retry_on_deadlock
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


class JsonBodyParser(FlaskParser):
    """Parse a request body as JSON whatever its Content-Type.

    `curl -d` sends form-encoded bodies by default; rather than silently ignoring such a body,
    we parse it and answer 400 malformed_json when it is not JSON.
    """

    def _raw_load_json(self, req):
        body = req.get_data(cache=True)
        if not body:
            return core.missing
        return core.parse_json(body)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()

    def auth_required(self, role: Role = Role.viewer):
        """Require a bearer token whose user has at least `role`; documents 401/403.

        Writes are retried from scratch when MySQL picks them as a deadlock victim.
        """

        def decorator(func):
            retrying = retry_on_deadlock(func)

            @wraps(func)
            def wrapper(*args, **kwargs):
                require(role, request.headers.get("Authorization"))
                return (func if request.method == "GET" else retrying)(*args, **kwargs)

            documented = self.doc(security=[{"bearerAuth": []}])(wrapper)
            documented = self.alt_response(
                401, schema=ErrorSchema, description="Missing, invalid, expired or revoked token"
            )(documented)
            if role > Role.viewer:
                documented = self.alt_response(
                    403, schema=ErrorSchema, description=f"Needs the {role.name} role or higher"
                )(documented)
            return documented

        return decorator

    def idempotent(self):
        """Honour an Idempotency-Key header (see IDEMPOTENCY_PARAMETER); goes right below auth_required."""

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                key = request.headers.get(HEADER)
                if key is None:
                    return func(*args, **kwargs)
                return run_idempotently(current_company_id(), key, func, *args, **kwargs)

            return self.doc(parameters=[IDEMPOTENCY_PARAMETER])(wrapper)

        return decorator
