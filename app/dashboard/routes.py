"""/ and /app (to the dashboard), /app/ (the dashboard's page), /app/assets/… (its files) and /docs (Swagger UI).

The dashboard is a client of the public JSON API and nothing else: these routes serve files, and
every figure on its screens comes from an /api call made by the browser.
"""

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from app.dashboard.assets import Assets

blp = Blueprint("pages", __name__)

# Strict: scripts and styles only from files of ours, nothing inline, no framing. The Swagger UI
# sets style attributes of its own, hence 'unsafe-inline' for styles (never for scripts) on /docs.
_CSP = ("default-src 'self'; script-src 'self'; style-src {styles}; img-src 'self' data:; connect-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DASHBOARD_CSP = _CSP.format(styles="'self'")
DOCS_CSP = _CSP.format(styles="'self' 'unsafe-inline'")
YEAR = 365 * 24 * 3600


def assets() -> Assets:
    if "stockflow_assets" not in current_app.extensions:
        current_app.extensions["stockflow_assets"] = Assets(current_app.config["FRONTEND_MODULES"])
    return current_app.extensions["stockflow_assets"]


def asset_url(name: str) -> str:
    bundle = assets()
    if name not in bundle.files:
        raise KeyError(name)
    return f"/app/assets/{bundle.version}/{name}"


def _page(template: str, csp: str):
    response = current_app.make_response(render_template(template, asset_url=asset_url))
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    # The page holds no data, but a signed-out user going back must not see a cached screen either.
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/")
def home():
    """To the dashboard; a client that does not follow redirects reads where things are, in JSON
    like every other answer."""
    return _to_dashboard(302)


@blp.get("/app")
def dashboard_without_slash():
    # Routed here rather than left to werkzeug, whose redirect to /app/ is an HTML page.
    return _to_dashboard(308)


def _to_dashboard(status: int):
    response = jsonify(dashboard="/app/", docs="/docs", openapi="/openapi.json")
    response.status_code, response.location = status, "/app/"
    return response


@blp.get("/app/")
def dashboard():
    return _page("dashboard/index.html", DASHBOARD_CSP)


@blp.get("/docs")
def docs():
    return _page("dashboard/docs.html", DOCS_CSP)


@blp.get("/app/assets/<version>/<path:name>")
def asset(version: str, name: str):
    bundle = assets()
    file = bundle.files.get(name)
    if file is None or version != bundle.version:
        abort(404)
    gzipped = request.accept_encodings["gzip"] > 0
    response = current_app.response_class(file.gzipped if gzipped else file.body, mimetype=file.mimetype)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
