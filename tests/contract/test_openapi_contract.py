"""Fuzz every operation of /openapi.json with schemathesis: the live server keeps its own contract.

Against gunicorn on MySQL, as the admin of a seeded company, each operation gets a bounded,
deterministic set of generated requests (schema examples, boundary values, random valid and
invalid data). No answer may be a 5xx; each must carry a status its operation lists, with the
documented content type, matching the documented schema.
"""

import copy
import os

import hypothesis
import pytest
import requests

from tests.databases import MYSQL_URL

if not MYSQL_URL:
    # REQUIRE_MYSQL=1 without MYSQL_TEST_URL already stops the run (tests/conftest.py).
    pytest.skip("MYSQL_TEST_URL is not set: the contract test runs against MySQL", allow_module_level=True)

import schemathesis  # noqa: E402  (after the skip: a run without MySQL needs none of this)
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app  # noqa: E402
from config import TestConfig  # noqa: E402

# CI runs a fixed, derandomized set. By hand, dig deeper with CONTRACT_MAX_EXAMPLES=200 and
# other (still reproducible) inputs with CONTRACT_SEED=<any integer>.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "60"))
SEED = os.environ.get("CONTRACT_SEED")
# gunicorn's limit_request_line: a longer request line gets gunicorn's own 414 (JSON, see
# gunicorn.conf.py) before the app sees the request, so no operation's document describes it.
GUNICORN_MAX_REQUEST_LINE = 4094
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def served_document() -> dict:
    # Built in-process so pytest can collect one test per operation before any server runs
    # (schemathesis.pytest.from_fixture, which would load it from the live server, breaks on
    # pytest 9.2: it sets Node._nodeid, which 9.2 removed). test_the_server_serves_the_fuzzed_document
    # proves the live server serves this very document.
    return create_app(TestConfig).test_client().get("/openapi.json").get_json()


def without_default_responses(document: dict) -> dict:
    """The document with each operation's `default` response left out.

    flask-smorest documents a `default` error response on every operation, and schemathesis
    accepts any status an operation has a `default` for: the status-code check would pass
    whatever the server answered. Without it, every status a request really gets (401, 404,
    409, 422…) must be listed on its operation.
    """
    document = copy.deepcopy(document)
    for operations in document["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
    return document


DOCUMENT = served_document()
schema = schemathesis.openapi.from_dict(
    without_default_responses(DOCUMENT),
    config=schemathesis.Config.from_dict(
        {
            "request-timeout": 10,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": SEED is None, "database": "none"},
            # One operation at a time; following links between operations is another test.
            "phases": {"stateful": {"enabled": False}},
            **({"seed": int(SEED)} if SEED else {}),
        }
    ),
)


def test_the_server_serves_the_fuzzed_document(live_api):
    assert requests.get(live_api.base_url + "/openapi.json", timeout=10).json() == DOCUMENT


@schema.parametrize()
def test_every_operation_answers_as_documented(case, live_api):
    token = live_api.token
    if case.method == "DELETE" and case.path in ("/api/auth/token", "/api/auth/session"):
        # Revoking the token the fuzzer runs with would turn every later request into a 401.
        token = live_api.fresh_token()
    if case.method in ("PATCH", "DELETE") and case.path == "/api/users/{user_id}":
        # Demoting or deactivating the fuzzer's own admin would lock the rest of the run out
        # (403/401 everywhere); every other user of the company is fair game. Generated path
        # values can be strings ("1"), hence the comparison as text.
        hypothesis.assume(str(case.path_parameters.get("user_id")) != str(live_api.user_id))
    headers = {"Authorization": f"Bearer {token}"}
    response = case.call(base_url=live_api.base_url, headers=headers)
    request_line = f"{response.request.method} {response.request.path_url} HTTP/1.1"
    if response.status_code == 414 and len(request_line) > GUNICORN_MAX_REQUEST_LINE:
        return
    case.validate_response(response, checks=CHECKS, headers=headers)
