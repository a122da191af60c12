"""Liveness and readiness probes."""

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields

from app.blueprint import Blueprint
from app.common.schemas import ErrorSchema
from app.errors import Unavailable
from app.extensions import db

blp = Blueprint("health", __name__, url_prefix="/health", description="Probes for load balancers and orchestrators")


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is alive (does not touch the database)"""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=ErrorSchema, description="The database does not answer")
    def get(self):
        """The database answers: ready to serve"""
        try:
            db.session.execute(sa.text("SELECT 1"))
        except (sa.exc.DBAPIError, sa.exc.TimeoutError):
            db.session.rollback()
            raise Unavailable("The database does not answer")
        db.session.rollback()
        return {"status": "ok"}
