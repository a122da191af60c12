"""The OpenAPI document and the Swagger UI."""


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
