"""StockFlow: a multi-tenant inventory API. create_app builds the Flask application."""

from flask import Flask
from flask.sessions import SessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.common.json_provider import OrjsonProvider
from app.common.wsgi_input import UnreadableBodyIs400
from app.database import configure_engines, engine_options, file_instead_of_memory
from app.errors import register_errorhandlers
from app.extensions import api, db, limiter, migrate
from app.requestlog import configure_logging, register_request_logging
from config import Config


class NoSessions(SessionInterface):
    """The API keeps no state between requests but its tokens (a bearer header or the dashboard's
    token cookie): Flask's signed session cookie is neither read nor written."""

    def open_session(self, app, request):
        return None  # Flask's null session: empty, and refusing to be written to


class StockFlow(Flask):
    session_interface = NoSessions()

    def make_default_options_response(self):
        """OPTIONS on a path: the methods it takes, in the Allow header and as JSON, like every answer."""
        allowed = sorted(super().make_default_options_response().allow)
        response = self.json.response({"allow": allowed})
        response.headers["Allow"] = ", ".join(allowed)
        return response


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    app = StockFlow(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter
    # `/api//products` is an unknown path (a JSON 404), not a redirect with an HTML body.
    app.url_map.merge_slashes = False
    app.config.from_object(config or Config)
    app.config.update(overrides)
    app.json = OrjsonProvider(app)
    Config.check(app.config)
    file_instead_of_memory(app)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    app.config["API_SPEC_OPTIONS"] = {
        "info": {"description": API_DESCRIPTION},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }
    app.wsgi_app = UnreadableBodyIs400(app.wsgi_app, app.config["BODY_READ_TIMEOUT"])
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])

    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_request_logging(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """Path ids are ASCII digits without a leading zero (`/api/orders/７` and `/api/orders/007` are no
    order: one resource, one URL) and beyond a 64-bit integer cannot exist: answer 404 at routing,
    not a database error."""

    regex = r"[1-9][0-9]*"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    from app import metrics, models  # noqa: F401  (models: registers every table on db.metadata)
    from app.events import episodes  # noqa: F401  (registers the stock episodes to run before each commit)
    from app.notifications import tasks as notification_tasks  # noqa: F401  (registers the email tasks)
    from app.webhooks import tasks  # noqa: F401  (registers the worker's tasks and the enqueue after each commit)
    from app.worker import init_celery

    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    api.init_app(app)
    limiter.init_app(app)
    metrics.init_app(app)
    init_celery(app)


def register_blueprints(app: Flask) -> None:
    from app import health, metrics
    from app.alerts.routes import blp as alerts_blp
    from app.auth.routes import auth_blp, users_blp
    from app.bundles.routes import blp as bundles_blp
    from app.companies.routes import blp as companies_blp
    from app.dashboard.routes import blp as pages_blp
    from app.events.routes import blp as events_blp
    from app.inventory.routes import blp as inventory_blp
    from app.notifications.routes import blp as notifications_blp
    from app.orders.routes import blp as orders_blp
    from app.products.routes import blp as products_blp
    from app.products.routes import types_blp
    from app.purchasing.routes import blp as purchasing_blp
    from app.purchasing.routes import replenishment_blp
    from app.suppliers.routes import blp as suppliers_blp
    from app.suppliers.routes import links_blp
    from app.warehouses.routes import blp as warehouses_blp
    from app.webhooks.routes import blp as webhooks_blp

    for blueprint in (auth_blp, users_blp, companies_blp, warehouses_blp, types_blp, suppliers_blp,
                      products_blp, links_blp, bundles_blp, inventory_blp, orders_blp, alerts_blp, purchasing_blp,
                      replenishment_blp, events_blp, webhooks_blp, notifications_blp, health.blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(metrics.blp)
    app.register_blueprint(pages_blp)


def register_commands(app: Flask) -> None:
    from app.commands import register_commands as register

    register(app)


API_DESCRIPTION = """\
Multi-tenant inventory: warehouses, products, a stock ledger, orders, low-stock alerts, and the purchase
orders and replenishment that turn those alerts into stock.

Authenticate with `POST /api/auth/register` (new company) or `POST /api/auth/token` (log in),
then send `Authorization: Bearer <token>`. (The dashboard at `/app/` signs in with
`POST /api/auth/session` instead: the token in an HttpOnly cookie, and `X-CSRF-Token` on writes.)
Errors are JSON:
`{"code", "status", "error" (stable slug), "message", "errors" (per field, on 422)}`.
Unknown fields in a request body are refused with 422 so that typos do not pass silently, and so
are query arguments a write does not take (`?dryrun=true`) and keys given twice in one object of a
body; reads ignore query arguments they do not take.
Lists take `page` (≥ 1) and `per_page` (1–200, default 50) and answer
`{"items", "page", "per_page", "total"}`. Integers in a query string, and ids in a path, are ASCII
digits (`1_0`, `１` → 422 in a query, 404 in a path).

Bodies: JSON nested deeper than 32 levels → 400 `malformed_json`; a lone UTF-16 surrogate in any
string or key → 422 naming where it sits; an integer of more than 40 digits → 422 `Out of range.`;
a timestamp outside the years 1–9999 once in UTC → 422; timestamps are stored in whole seconds. A
body that cannot be read (a malformed chunked encoding) → 400 `bad_request`. Money is a JSON number or a plain decimal
string in ASCII digits (no exponent, no separators); `"-0"` is `"0.00"`. Names are unique per
company case-insensitively (full case folding) with accents significant, on every database.
Idempotency keys are exact byte strings.
"""
