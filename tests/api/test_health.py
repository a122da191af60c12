"""Liveness and readiness, with the database up and with it down."""

import time

import pytest

from app import create_app
from config import TestConfig

UNREACHABLE = {
    # Nothing listens on port 1: the connection is refused at once.
    "mysql": "mysql+pymysql://root@127.0.0.1:1/stockflow",
    "sqlite": "sqlite:////nonexistent-directory/stockflow.db",
}


def test_health_says_ok(client):
    assert client.get("/health").json == {"status": "ok"}


def test_ready_says_ok_when_the_database_answers(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


@pytest.mark.parametrize("backend", sorted(UNREACHABLE), ids=lambda name: f"unreachable-{name}")
def test_ready_is_503_when_the_database_is_down(backend):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=UNREACHABLE[backend], DB_CONNECT_TIMEOUT=2)
    client = app.test_client()
    assert client.get("/health").status_code == 200
    started = time.monotonic()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json["error"] == "unavailable"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("backend", sorted(UNREACHABLE), ids=lambda name: f"unreachable-{name}")
def test_api_calls_answer_503_not_500_when_the_database_is_down(backend):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=UNREACHABLE[backend], DB_CONNECT_TIMEOUT=2)
    response = app.test_client().get("/api/auth/me", headers={"Authorization": "Bearer sf_anything"})
    assert response.status_code == 503
    assert response.json["error"] == "unavailable"
    assert response.headers["Retry-After"]
