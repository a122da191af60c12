"""Unexpected failures, request ids and request logs."""

import json

import pytest

from app import create_app
from config import TestConfig


@pytest.fixture
def failing_app(database_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, LOG_LEVEL="INFO")

    @app.get("/api/explode")
    def explode():
        raise RuntimeError("password=hunter2 in /srv/secret.py")

    return app


def _log_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_an_unexpected_exception_is_a_json_500_without_internals(failing_app):
    response = failing_app.test_client().get("/api/explode")
    assert response.status_code == 500
    assert response.json["error"] == "internal_error"
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_an_unexpected_exception_is_logged_with_traceback_and_request_id(capfd, failing_app):
    failing_app.test_client().get("/api/explode", headers={"X-Request-ID": "req-500-test"})
    entries = _log_lines(capfd.readouterr().err)
    failure = next(entry for entry in entries if entry["message"] == "unhandled exception")
    assert failure["level"] == "ERROR"
    assert failure["request_id"] == "req-500-test"
    assert "RuntimeError" in failure["traceback"]


def test_each_request_logs_one_json_line_with_its_facts(database_url, capfd, register):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, LOG_LEVEL="INFO")
    client = app.test_client()
    token = client.post(
        "/api/auth/register", json={"company_name": "Logged", "email": "log@example.com", "password": "long-enough"}
    ).json["token"]
    capfd.readouterr()
    client.get("/api/warehouses", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "abc.123"})
    requests = [entry for entry in _log_lines(capfd.readouterr().err) if entry["message"] == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert (line["method"], line["path"], line["status"], line["request_id"]) == ("GET", "/api/warehouses", 200, "abc.123")
    assert isinstance(line["company_id"], int)
    assert line["duration_ms"] >= 0


def test_log_level_comes_from_configuration(database_url, capfd):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, LOG_LEVEL="WARNING")
    app.test_client().get("/health")
    assert _log_lines(capfd.readouterr().err) == []


def test_every_response_carries_a_generated_request_id(client):
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/api/nowhere").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_client_request_id_is_echoed_but_an_unsafe_one_is_replaced(client):
    assert client.get("/health", headers={"X-Request-ID": "order-42:retry.1"}).headers["X-Request-ID"] == "order-42:retry.1"
    replaced = client.get("/health", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32


def test_unknown_paths_and_methods_answer_json(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    wrong_method = client.put("/api/auth/me")
    assert wrong_method.status_code == 405 and wrong_method.json["error"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]
