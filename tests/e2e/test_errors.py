"""Every failure is one JSON shape with a stable slug, whatever layer produced it."""

import json
import socket
import time

import pytest

from tests.e2e.conftest import random_sku

ERROR_KEYS = {"code", "status", "error", "message"}


def assert_error(response, status: int, slug: str):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert ERROR_KEYS <= set(body)
    assert (body["code"], body["error"]) == (status, slug)
    assert body["message"]
    return body


def test_an_unknown_path_is_a_json_404(anonymous):
    body = assert_error(anonymous.get("/api/no-such-thing"), 404, "not_found")
    assert body["status"] == "Not Found"


def test_a_method_the_path_does_not_take_is_a_json_405(retro):
    assert_error(retro.delete("/api/inventory/movements"), 405, "method_not_allowed")


def test_a_body_that_is_not_json_is_a_400_malformed_json(retro):
    assert_error(retro.post("/api/warehouses", data="{not json", headers={"Content-Type": "application/json"}), 400, "malformed_json")


def test_a_validation_failure_names_each_invalid_field(retro):
    response = retro.post("/api/products", json={"name": "", "sku": "has spaces", "price": "1.999"})
    body = assert_error(response, 422, "validation_error")
    assert sorted(body["errors"]) == ["name", "price", "sku"]


def test_an_unknown_field_is_refused_so_typos_never_pass_silently(retro):
    body = assert_error(retro.post("/api/warehouses", json={"name": "Main", "adress": "1 Road"}), 422, "validation_error")
    assert list(body["errors"]) == ["adress"]


@pytest.mark.parametrize("quantity", [True, 1.5, "3"])
def test_a_quantity_that_is_not_an_integer_is_refused(retro, quantity):
    response = retro.post("/api/inventory/movements", json={"type": "receive", "product_id": 1, "warehouse_id": 1, "quantity": quantity})
    body = assert_error(response, 422, "validation_error")
    assert "quantity" in body["errors"]


@pytest.mark.parametrize("price", ["NaN", "Infinity", True, "-1", "100000000.00"])
def test_a_price_outside_money_is_refused(retro, price):
    body = assert_error(retro.post("/api/products", json={"name": "Clock", "sku": random_sku("CLOCK"), "price": price}), 422, "validation_error")
    assert list(body["errors"]) == ["price"]


def test_a_page_size_over_200_is_refused(retro):
    body = assert_error(retro.get("/api/products", params={"per_page": 201}), 422, "validation_error")
    assert list(body["errors"]) == ["per_page"]


def test_a_body_over_one_mebibyte_is_a_413(retro):
    response = retro.post("/api/warehouses", data=b"{" + b" " * (1024 * 1024) + b"}", headers={"Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def chunked(body: bytes, size: int = 65536):
    """The body as a generator, which requests sends with `Transfer-Encoding: chunked` (no Content-Length)."""
    return (body[start:start + size] for start in range(0, len(body), size))


def test_a_chunked_body_over_one_mebibyte_is_a_413_not_cut_at_the_limit(retro):
    before = retro.get("/api/warehouses").json()["total"]
    body = b'{"name": "Chunked", "address": "' + b"x" * (1024 * 1024) + b'"}'
    response = retro.post("/api/warehouses", data=chunked(body), headers={"Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")
    assert retro.get("/api/warehouses").json()["total"] == before


def test_a_chunked_body_of_exactly_one_mebibyte_is_read_whole(retro):
    name = "Chunked Depot"
    body = b'{"name": "' + name.encode() + b'"' + b" " * (1024 * 1024 - len(name) - 12) + b"}"
    assert len(body) == 1024 * 1024
    response = retro.post("/api/warehouses", data=chunked(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["name"] == name


def test_a_chunked_csv_import_over_ten_mebibytes_is_a_413(retro):
    # Under the 50,000 rows an import may have: the size alone is over the limit.
    rows = b"".join(b"BIG-%07d,Big product %d,1.00,%s\n" % (n, n, b"d" * 240) for n in range(42_000))
    assert len(rows) > 10 * 1024 * 1024
    response = retro.post("/api/products/import", data=chunked(b"sku,name,price,description\n" + rows),
                          headers={"Content-Type": "text/csv"})
    assert_error(response, 413, "payload_too_large")
    assert retro.get("/api/products").json()["total"] == 0


def test_a_chunked_multipart_upload_over_ten_mebibytes_is_a_413(retro):
    rows = b"".join(b"BIG-%07d,Big product %d,1.00,%s\r\n" % (n, n, b"d" * 240) for n in range(42_000))
    boundary = b"stockflow-boundary"
    upload = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
              b"Content-Type: text/csv\r\n\r\nsku,name,price,description\r\n" + rows + b"\r\n--" + boundary + b"--\r\n")
    response = retro.post("/api/products/import", data=chunked(upload),
                          headers={"Content-Type": "multipart/form-data; boundary=" + boundary.decode()})
    assert_error(response, 413, "payload_too_large")
    assert retro.get("/api/products").json()["total"] == 0


@pytest.mark.parametrize("path, content_type", [
    ("/api/warehouses", "application/json"),
    ("/api/products/import", "text/csv"),
    ("/api/products/import", "multipart/form-data; boundary=b"),
])
@pytest.mark.parametrize("body", [b"zz\r\n", b"5\r\nsku,nXX0\r\n\r\n"], ids=["chunk-size-not-hex", "chunk-without-crlf"])
def test_a_malformed_chunked_body_is_a_400_and_changes_nothing(base_url, retro, path, content_type, body):
    # gunicorn raises its own parse errors from the read that meets the bad chunk: not a 500.
    code, headers, answer = raw_exchange(base_url, (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {retro.token}\r\nContent-Type: {content_type}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode() + body)
    assert (code, headers["content-type"]) == (400, "application/json")
    assert json.loads(answer)["error"] == "bad_request"
    assert retro.get("/api/warehouses").json()["total"] == retro.get("/api/products").json()["total"] == 0


@pytest.mark.parametrize("path, content_type, body", [
    ("/api/warehouses", "application/json", b'{"name":"cut"}'),
    ("/api/products/import", "text/csv", b"sku,name,price\r\nCUT-1,Cut,1.00\r\n"),
    ("/api/products/import", "multipart/form-data; boundary=b",
     b'--b\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\nContent-Type: text/csv\r\n\r\n'
     b"sku,name,price\r\nCUT-1,Cut,1.00\r\n\r\n--b--\r\n"),
])
def test_a_body_that_ends_before_its_content_length_is_a_400_and_changes_nothing(base_url, retro, path, content_type, body):
    # The client says 50 more bytes than it sends, then stops sending: what arrived is a valid body,
    # but not the one announced.
    code, headers, answer = raw_exchange(base_url, (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {retro.token}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body) + 50}\r\nConnection: close\r\n\r\n").encode() + body, half_close=True)
    assert (code, headers["content-type"]) == (400, "application/json")
    assert json.loads(answer)["error"] == "bad_request"
    assert retro.get("/api/warehouses").json()["total"] == retro.get("/api/products").json()["total"] == 0


def test_a_body_that_stalls_is_a_400_after_the_body_timeout_not_a_killed_worker(base_url, retro):
    # Headers and half the body, then nothing more while the connection stays open: the worker
    # gives up on the body after BODY_READ_TIMEOUT (2 s for this server), well before gunicorn's
    # own timeout would kill it and answer 500.
    body = b'{"name":"stalled"}'
    started = time.monotonic()
    code, headers, answer = raw_exchange(base_url, (
        f"POST /api/warehouses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {retro.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body[:8])
    waited = time.monotonic() - started
    assert (code, headers["content-type"]) == (400, "application/json")
    assert json.loads(answer)["error"] == "bad_request"
    assert 1.5 < waited < 10
    assert retro.get("/api/warehouses").json()["total"] == 0


def test_an_invalid_token_is_a_401_with_a_bearer_challenge(anonymous):
    response = anonymous.get("/api/products", headers={"Authorization": "Bearer not-a-real-token"})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


# What gunicorn answers itself, before the app runs: JSON too.


def raw_exchange(base_url: str, request: bytes, *, half_close: bool = False) -> tuple[int, dict, bytes]:
    """Send raw bytes to the server (then, if asked, stop sending); returns the status, headers and
    body of its answer."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("request_bytes, status, slug", [
    pytest.param(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n", 400, "bad_request", id="nul-in-header"),
    pytest.param(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_240 + b"\r\n\r\n", 431,
                 "request_header_fields_too_large", id="10-kb-header"),
    pytest.param(b"GET /api/products?q=" + b"a" * 5_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long", id="5-kb-url"),
    pytest.param(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(200)) + b"\r\n", 431,
                 "request_header_fields_too_large", id="200-headers"),
    pytest.param(b"G\x01T /health HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request", id="bad-method"),
])
def test_requests_the_server_refuses_before_the_app_are_answered_in_json(base_url, request_bytes, status, slug):
    code, headers, body = raw_exchange(base_url, request_bytes)
    assert code == status
    assert headers["content-type"] == "application/json"
    assert headers["x-request-id"]
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)
    assert (error["code"], error["error"]) == (status, slug)
    assert error["status"] and error["message"]
