"""A request body the server cannot read is the client's fault: 400, not a 500 from inside a view.

gunicorn reads a chunked body as the app asks for it, and a malformed one (a chunk size that is not
hex, a chunk without its CRLF) raises its own parse errors from whichever read meets it: a JSON
body's, a CSV upload's, a multipart form's. This middleware turns any error of reading the body
into werkzeug's 400, which the error handlers answer as JSON (`bad_request`) like a body cut short.

A body that ends before its Content-Length (the client stopped sending, or announced more than it
sent) is unreadable too: whatever reads it, a prefix that happens to parse is never applied.

A client that stops sending in the middle of its body would hold a sync worker until gunicorn's
timeout kills it (and answers 500): under gunicorn, each read of the body waits at most
`timeout` seconds (BODY_READ_TIMEOUT) for the next bytes, then the body is unreadable too.
"""

import logging

from werkzeug.exceptions import BadRequest

try:
    from gunicorn.http.errors import ParseException
except ImportError:  # served by another WSGI server
    ParseException = OSError

# What reading a body can raise for the client's fault: gunicorn's parse errors, a connection that
# broke (OSError, gunicorn's NoMoreData among them), a chunk size too large to be a number.
_UNREADABLE = (ParseException, OSError, ValueError)
log = logging.getLogger("stockflow.errors")


class UnreadableBody(BadRequest):
    description = "The request body could not be read: its chunked encoding is malformed, or it stopped before its end"


class UnreadableBodyIs400:
    """WSGI middleware: wsgi.input whose read errors are UnreadableBody."""

    def __init__(self, app, timeout: float | None = None):
        self.app, self.timeout = app, timeout

    def __call__(self, environ, start_response):
        if environ.get("wsgi.input") is not None:
            environ["wsgi.input"] = _Input(environ["wsgi.input"], _length(environ), environ.get("gunicorn.socket"), self.timeout)
        return self.app(environ, start_response)


def _length(environ) -> int | None:
    try:
        return int(environ["CONTENT_LENGTH"])
    except (KeyError, ValueError):
        return None


class _Input:
    def __init__(self, stream, length: int | None = None, sock=None, timeout: float | None = None):
        self._stream, self._socket, self._timeout = stream, sock if timeout else None, timeout
        self._left = length  # bytes announced and not read yet

    def read(self, *args):
        return self._counted(self._reading(self._stream.read, *args), args)

    def readline(self, *args):
        return self._counted(self._reading(self._stream.readline, *args), args)

    def readlines(self, *_hint):
        # Line by line, so that every byte is counted; PEP 3333 lets apps give no size hint.
        return list(self)

    def __iter__(self):
        return iter(self.readline, b"")

    def _counted(self, data: bytes, args) -> bytes:
        if self._left is not None:
            if data:
                self._left -= len(data)
            elif self._left > 0 and (not args or args[0] != 0):
                log.info("request body ended %d bytes before its Content-Length", self._left)
                raise UnreadableBody()
        return data

    def _reading(self, method, *args):
        try:
            if self._socket is None:
                return method(*args)
            # Only while the body is read: writing the answer keeps the server's own setting.
            waited = self._socket.gettimeout()
            self._socket.settimeout(self._timeout)
            try:
                return method(*args)
            finally:
                self._socket.settimeout(waited)
        except _UNREADABLE as error:
            log.info("unreadable request body: %r", error)
            raise UnreadableBody() from error
