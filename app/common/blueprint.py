"""The API blueprint: flask-smorest's, plus authentication, roles and a lenient JSON body parser."""

from functools import wraps

import flask_smorest
from flask import request
from webargs import core
from webargs.flaskparser import FlaskParser

from app.auth.models import Role
from app.auth.security import require
from app.common.schemas import ErrorSchema


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
        """Require a bearer token whose user has at least `role`; documents 401/403."""

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                require(role, request.headers.get("Authorization"))
                return func(*args, **kwargs)

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
