"""/api/events: the company's events, newest first (admin)."""

from flask.views import MethodView

from app.auth.models import Role
from app.auth.security import current_company_id
from app.blueprint import Blueprint
from app.events import service
from app.events.schemas import EventListArgs, EventPageSchema

blp = Blueprint("events", __name__, url_prefix="/api/events", description="Events (the outbox)")


@blp.route("")
class Events(MethodView):
    @blp.auth_required(Role.admin)
    @blp.arguments(EventListArgs, location="query")
    @blp.response(200, EventPageSchema)
    def get(self, args):
        """The company's events, newest first, cursor-paginated

        Each change that matters to another system, written in the change's own transaction: a
        change that rolls back leaves none, a committed one is never lost. Pass `next_cursor` back
        as `cursor`; filter by `type`. See the catalogue in the API description.
        """
        return service.list_events(current_company_id(), **args)
