"""What operators and tools rely on: health checks, the OpenAPI document, request ids, metrics."""

import re

from tests.e2e.conftest import make_product, make_warehouse


def test_health_answers_ok_with_a_generated_request_id(anonymous):
    response = anonymous.get("/health")
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    assert response.headers["X-Request-ID"]


def test_readiness_reports_the_database_answering(anonymous):
    response = anonymous.get("/health/ready")
    assert (response.status_code, response.json()["status"]) == (200, "ok")


def test_the_openapi_document_describes_every_endpoint_group(anonymous):
    paths = anonymous.ok("/openapi.json")["paths"]
    for path in ("/api/auth/register", "/api/warehouses", "/api/product-types", "/api/suppliers", "/api/products",
                 "/api/products/{product_id}/suppliers/{supplier_id}", "/api/bundles", "/api/inventory",
                 "/api/inventory/movements", "/api/orders", "/api/orders/{order_id}/status",
                 "/api/companies/{company_id}/alerts/low-stock"):
        assert path in paths, path


def orders_created(anonymous) -> float:
    response = anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    match = re.search(r'^stockflow_orders_total\{event="created"\} (\S+)$', response.text, re.MULTILINE)
    assert match, response.text[:2000]
    return float(match.group(1))


def test_metrics_count_the_orders_taken_by_every_worker(retro, anonymous):
    main = make_warehouse(retro, "Main")
    clock = make_product(retro, "Retro Clock", {main: 10})
    before = orders_created(anonymous)
    for _ in range(4):  # two workers: whichever answers, the scrape must add up both
        retro.created("/api/orders", {"warehouse_id": main, "items": [{"product_id": clock, "quantity": 1}]})
    assert orders_created(anonymous) - before == 4
