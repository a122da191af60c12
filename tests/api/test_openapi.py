"""The OpenAPI document and the Swagger UI."""

from tests.factories import make_product, make_warehouse


def test_openapi_documents_every_endpoint_with_bearer_security(client):
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"/api/auth/register", "/api/auth/token", "/api/auth/me", "/api/users", "/api/users/{user_id}",
            "/api/companies/{company_id}", "/api/warehouses", "/api/warehouses/{warehouse_id}",
            "/health", "/health/ready"} <= set(spec["paths"])
    assert spec["paths"]["/api/warehouses"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/auth/register"]["post"]
    assert {"201", "401", "403", "409", "422"} <= set(spec["paths"]["/api/warehouses"]["post"]["responses"])


def test_list_responses_are_documented_as_envelopes(client):
    spec = client.get("/openapi.json").json
    schema_ref = spec["paths"]["/api/warehouses"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    envelope = spec["components"]["schemas"][schema_ref["$ref"].rsplit("/", 1)[1]]
    assert set(envelope["properties"]) == {"items", "page", "per_page", "total"}


def test_swagger_ui_is_served_at_docs(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.get_data(as_text=True)


def test_every_api_operation_documents_the_errors_it_can_answer(client):
    spec = client.get("/openapi.json").json
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method == "parameters":  # shared by the path's operations, not one of them
                continue
            responses = set(operation["responses"])
            assert {"429", "503"} <= responses, f"{method.upper()} {path}"
            if "security" in operation:
                assert "401" in responses, f"{method.upper()} {path}"
            if "requestBody" in operation:
                # A CSV body cannot be malformed JSON: 400 is for the JSON ones.
                json_body = "application/json" in operation["requestBody"]["content"]
                assert {"413", "422"} | ({"400"} if json_body else set()) <= responses, f"{method.upper()} {path}"


def test_an_insufficient_stock_answer_carries_only_documented_keys(client, acme):
    # Found by the contract fuzz: `short` was answered but the Error schema did not allow it.
    main = make_warehouse(acme)
    clock = make_product(acme, "RETRO-CLOCK", {main: 1})
    response = acme.post("/api/inventory/movements", json={"type": "sale", "product_id": clock, "warehouse_id": main, "quantity": 5})
    assert (response.status_code, response.json["error"]) == (409, "insufficient_stock")
    error_schema = client.get("/openapi.json").json["components"]["schemas"]["Error"]
    assert set(response.json) <= set(error_schema["properties"])
    assert response.json["short"] == [{"product_id": clock, "available": 1, "requested": 5}]
