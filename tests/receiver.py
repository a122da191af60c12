"""A real HTTP receiver for webhook tests: a threaded server on 127.0.0.1 that records each request
and answers with the statuses it is told to, in turn (then 200)."""

import contextlib
import hashlib
import hmac
import http.server
import threading
import time


class Receiver:
    def __init__(self, statuses=(), delay: float = 0.0, headers: dict | None = None):
        self.statuses = list(statuses)
        self.delay, self.extra_headers = delay, headers or {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body, "at": time.time()})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.requests)} of {count} requests arrived within {timeout} s")


@contextlib.contextmanager
def receiving(**kwargs):
    receiver = Receiver(**kwargs)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def verifies(secret: str, request: dict) -> bool:
    """The receiver's check, as the README shows it: v1 HMAC-SHA256 of "<timestamp>.<raw body>"."""
    timestamp = request["headers"]["StockFlow-Timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["StockFlow-Signature"])
