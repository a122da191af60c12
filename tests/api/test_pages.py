"""/, /app/ and /docs: pages whose every script and style the app serves itself, under a strict CSP."""

import gzip
import re

import pytest

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def page_assets(html: str) -> list[str]:
    return [url for url in ASSET.findall(html) if not url.startswith(("#", "data:"))]


def test_the_root_leads_to_the_dashboard(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/app/"
    # JSON, as every answer of the API, for a client that does not follow it.
    assert response.content_type == "application/json" and response.json["dashboard"] == "/app/"


def test_the_dashboard_without_its_slash_leads_to_it_in_json(client):
    response = client.get("/app?tab=alerts")
    assert response.status_code == 308 and response.location == "/app/"
    assert response.content_type == "application/json" and response.json["dashboard"] == "/app/"


@pytest.mark.parametrize("path", ["/app/", "/docs"])
def test_a_page_loads_nothing_from_elsewhere_and_every_asset_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assets = page_assets(response.get_data(as_text=True))
    assert assets and all(url.startswith("/app/assets/") for url in assets), assets
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert asset.mimetype in {"text/javascript", "application/javascript", "text/css"}, url


@pytest.mark.parametrize("path", ["/app/", "/docs"])
def test_pages_forbid_inline_scripts_and_framing(client, path):
    headers = client.get(path).headers
    directives = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and headers["X-Frame-Options"] == "DENY"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert headers["Cache-Control"] == "no-store"


def test_the_dashboards_styles_are_not_inline_either(client):
    csp = client.get("/app/").headers["Content-Security-Policy"]
    assert "style-src 'self';" in csp and "unsafe" not in csp


def test_assets_are_gzipped_for_clients_that_accept_it(client):
    [script] = [url for url in page_assets(client.get("/app/").get_data(as_text=True)) if url.endswith("main.js")]
    plain = client.get(script)
    zipped = client.get(script, headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()


def test_an_asset_of_another_version_or_unknown_is_not_found(client):
    [script] = [url for url in page_assets(client.get("/app/").get_data(as_text=True)) if url.endswith("main.js")]
    version = script.split("/")[3]
    for url in (script.replace(version, "0" * len(version)), f"/app/assets/{version}/js/nothing.js",
                f"/app/assets/{version}/../../config.py"):
        response = client.get(url)
        assert response.status_code == 404 and response.json["error"] == "not_found", url


def test_the_docs_page_starts_swagger_ui_on_the_apps_own_document(client):
    html = client.get("/docs").get_data(as_text=True)
    assert 'data-spec-url="/openapi.json"' in html and "<script>" not in html


def test_a_client_refusing_gzip_gets_the_plain_file(client):
    [script] = [url for url in page_assets(client.get("/app/").get_data(as_text=True)) if url.endswith("main.js")]
    response = client.get(script, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers and response.get_data().startswith(b"//")


def test_without_the_npm_packages_the_pages_say_so_with_a_503(tmp_path):
    from app import create_app
    from config import TestConfig

    client = create_app(TestConfig, FRONTEND_MODULES=str(tmp_path)).test_client()
    for path in ("/app/", "/docs"):
        response = client.get(path)
        assert response.status_code == 503 and response.json["error"] == "unavailable", path
        assert "npm ci" in response.json["message"]
