"""A request never waits on MySQL longer than DB_QUERY_TIMEOUT; CLI work is not limited.

tests/e2e/test_database_outage.py covers the same through a relay that refuses or black-holes.
"""

import time

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from config import TestConfig


@pytest.fixture
def slow_app(database_url, backend):
    """The app with a 1 s query timeout and a route that runs a 3 s query."""
    if backend != "mysql":
        pytest.skip("socket timeouts are MySQL's (SQLite is a local file)")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, DB_QUERY_TIMEOUT=1, DB_CONNECT_TIMEOUT=2)

    @app.get("/slow-query")
    def slow_query():
        db.session.execute(sa.text("SELECT SLEEP(3)"))
        return {"status": "finished"}

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_query_slower_than_the_query_timeout_is_answered_503(slow_app):
    client = slow_app.test_client()
    started = time.monotonic()
    response = client.get("/slow-query")
    assert time.monotonic() - started < 2.5
    assert (response.status_code, response.json["error"]) == (503, "unavailable")
    assert response.headers["Retry-After"]


def test_the_next_request_gets_a_working_connection(slow_app):
    client = slow_app.test_client()
    assert client.get("/slow-query").status_code == 503
    assert client.get("/health/ready").status_code == 200


def test_queries_outside_requests_are_not_limited(slow_app):
    with slow_app.app_context():
        assert db.session.execute(sa.text("SELECT SLEEP(2)")).scalar() == 0
        db.session.rollback()


def test_pooled_connections_wait_the_connect_timeout_between_requests(database_url, backend):
    """The pre-ping at checkout must give up as fast as a connect does."""
    if backend != "mysql":
        pytest.skip("socket timeouts are MySQL's (SQLite is a local file)")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, DB_CONNECT_TIMEOUT=3, DB_QUERY_TIMEOUT=7)
    with app.app_context():
        with db.engine.connect() as connection:
            dbapi_connection = connection.connection.dbapi_connection
            assert dbapi_connection._read_timeout is None  # outside a request
        assert (dbapi_connection._read_timeout, dbapi_connection._write_timeout) == (3, 3)
        with app.test_request_context(), db.engine.connect() as connection:
            assert connection.connection.dbapi_connection._read_timeout == 7
        db.engine.dispose()
