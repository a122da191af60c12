"""The Postman collection, run by newman against the live server, passes every one of its checks."""

import json
import shutil
import subprocess

from tests.e2e.conftest import ROOT, missing_prerequisite

COLLECTION = ROOT / "postman" / "StockFlow.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "local.postman_environment.json"
NEWMAN = ROOT / "node_modules" / ".bin" / "newman"
NEWMAN_SECONDS = 120


def newman() -> list[str]:
    """The newman pinned in package-lock.json, installed by `make test` (npm ci)."""
    if shutil.which("node") is None:
        missing_prerequisite("Node.js is not installed: the Postman collection runs under newman")
    if not NEWMAN.exists():
        missing_prerequisite(f"newman is not installed: run `npm ci` in {ROOT} (make test does)")
    return [str(NEWMAN)]


def test_the_postman_collection_passes_against_the_live_server(live_server, tmp_path):
    report = tmp_path / "newman.json"
    command = newman() + [
        "run", str(COLLECTION), "--environment", str(ENVIRONMENT), "--env-var", f"baseUrl={live_server.base_url}",
        "--reporters", "cli,json", "--reporter-json-export", str(report), "--color", "off", "--disable-unicode",
        "--timeout-request", "30000",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=NEWMAN_SECONDS)
    assert result.returncode == 0, f"newman exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    stats = json.loads(report.read_text())["run"]["stats"]
    assert stats["assertions"]["failed"] == 0 and stats["assertions"]["total"] > 100, stats


def test_the_collection_covers_every_endpoint_group():
    collection = json.loads(COLLECTION.read_text())
    paths = {"/" + "/".join(item["request"]["url"]["path"]) for folder in collection["item"] for item in folder["item"]}
    for group in ("/api/auth/register", "/api/auth/token", "/api/auth/me", "/api/users", "/api/users/{{staffUserId}}",
                  "/api/companies/{{companyId}}",
                  "/api/warehouses", "/api/product-types", "/api/suppliers", "/api/products",
                  "/api/products/{{batteryId}}/suppliers/{{supplierId}}", "/api/bundles", "/api/inventory",
                  "/api/inventory/movements", "/api/orders", "/api/orders/{{orderId}}/status",
                  "/api/companies/{{companyId}}/alerts/low-stock", "/health"):
        assert group in paths, group
