"""Fixtures: an app per test on each configured database, clients, and account factories."""

import uuid

import pytest
import sqlalchemy as sa

from app import create_app, models  # noqa: F401  (every table on db.metadata)
from app.extensions import db
from config import TestConfig
from tests.databases import BACKENDS, MYSQL_URL, REQUIRE_MYSQL, fresh_database, wipe

PASSWORD = "correct-horse-battery"
MYSQL_ONLY = "SQLite serializes writers: the race is only meaningful on MySQL"


_mysql_tests_passed = 0


def pytest_configure(config):
    if REQUIRE_MYSQL and not MYSQL_URL:
        raise pytest.UsageError("REQUIRE_MYSQL=1 but MYSQL_TEST_URL is not set")


def pytest_collection_modifyitems(items):
    """Mark what the markers in pytest.ini say by where a test lives and which database it runs on."""
    for item in items:
        path = item.path.as_posix()
        if "/tests/e2e/" in path or "/tests/contract/" in path:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.mysql)
        elif "[mysql" in item.nodeid:
            item.add_marker(pytest.mark.mysql)
        elif "[sqlite" in item.nodeid and item.get_closest_marker("mysql"):
            # Marked by hand: a race, meaningful only where writers run concurrently.
            item.add_marker(pytest.mark.skip(reason=MYSQL_ONLY))


def pytest_runtest_logreport(report):
    global _mysql_tests_passed
    if report.when == "call" and report.passed and "[mysql" in report.nodeid:
        _mysql_tests_passed += 1


def pytest_sessionfinish(session, exitstatus):
    # CI must not go green on SQLite alone when MySQL was asked for.
    if REQUIRE_MYSQL and _mysql_tests_passed == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    suffix = " (REQUIRE_MYSQL=1: the run fails)" if REQUIRE_MYSQL and _mysql_tests_passed == 0 else ""
    terminalreporter.write_line(f"MySQL tests passed: {_mysql_tests_passed}{suffix}")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """One database per backend for the whole session, with the schema created once."""
    try:
        context = fresh_database(request.param, tmp_path_factory.mktemp("db"))
        url = context.__enter__()
    except sa.exc.OperationalError as error:
        if REQUIRE_MYSQL:
            pytest.fail(f"MySQL is required but unreachable: {error}", pytrace=False)
        pytest.skip(f"MySQL unreachable: {error}")
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    yield url
    context.__exit__(None, None, None)


@pytest.fixture
def backend(database_url) -> str:
    return "mysql" if database_url.startswith("mysql") else "sqlite"


@pytest.fixture
def app(database_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    yield app
    with app.app_context():
        db.session.remove()
        wipe(db.engine, db.metadata)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


class Account:
    """A registered company with its admin's token, and helpers to act as them."""

    def __init__(self, client, body: dict):
        self.client = client
        self.company_id = body["company"]["id"]
        self.user_id = body["user"]["id"]
        self.email = body["user"]["email"]
        self.token = body["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def add_user(self, role: str) -> "Account":
        """Create a user of this company with `role` and log them in."""
        email = unique_email(role)
        response = self.client.post("/api/users", json={"email": email, "password": PASSWORD, "role": role}, headers=self.headers)
        assert response.status_code == 201, response.json
        token = self.client.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json["token"]
        member = Account.__new__(Account)
        member.client, member.company_id, member.user_id = self.client, self.company_id, response.json["id"]
        member.email, member.token, member.headers = email, token, {"Authorization": f"Bearer {token}"}
        return member

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path, **kw):
        return self.client.post(path, headers=self.headers, **kw)

    def patch(self, path, **kw):
        return self.client.patch(path, headers=self.headers, **kw)

    def put(self, path, **kw):
        return self.client.put(path, headers=self.headers, **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers=self.headers, **kw)


@pytest.fixture
def register(client):
    """Register a new company; returns its admin as an Account."""

    def register(company_name: str = "Acme Supplies", email: str | None = None) -> Account:
        response = client.post(
            "/api/auth/register",
            json={"company_name": company_name, "email": email or unique_email("admin"), "password": PASSWORD},
        )
        assert response.status_code == 201, response.json
        return Account(client, response.json)

    return register


@pytest.fixture
def acme(register) -> Account:
    return register("Acme Supplies")


@pytest.fixture
def globex(register) -> Account:
    return register("Globex Corporation")
