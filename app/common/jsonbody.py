"""Request bodies as JSON: parsed once per request, with bounds that keep hostile input a 4xx.

Every JSON body goes through `request_json()`: the argument parser of every endpoint and the
Idempotency-Key fingerprint alike. What it refuses, it refuses before any use case runs:

- not JSON, not UTF-8, or nested deeper than MAX_DEPTH → 400 malformed_json;
- a string (or key) holding a lone UTF-16 surrogate (`"\\ud800"`), which no database column or
  password hash can encode → 422 naming the field;
- a key given twice in one object (`{"type": "receive", "type": "sale"}`), which parsers read
  differently (first or last wins) → 422 naming the field, as a query argument given twice is.

A number with a fraction or an exponent is read as a Decimal, never a float: `19.999999999999999999`
stays what it says (and is refused for its places) rather than becoming the float 20.0.

An integer literal longer than MAX_INT_DIGITS is outside the range of every numeric field, so it is
not converted (Python refuses past 4,300 digits, and takes quadratic time below that); nor is a
number whose exponent no decimal can hold (`1e9999999999999999999`). Either becomes a `HugeNumber`,
which the fields refuse as out of range with a 422 naming themselves.
"""

import collections
import json
import re
from decimal import Decimal, InvalidOperation

from flask import request
from webargs import core

from app.errors import MalformedJson, PayloadTooLarge, ValidationFailed

MAX_DEPTH = 32
MAX_INT_DIGITS = 40
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
CACHE_KEY = "stockflow.json_body"


class HugeNumber(Decimal):
    """A number literal too large for any field; fields answer it as out of range."""


def _integer(literal: str) -> int | HugeNumber:
    return HugeNumber(literal) if len(literal) > MAX_INT_DIGITS else int(literal)


def _fraction(literal: str) -> Decimal:
    try:
        return Decimal(literal)
    except InvalidOperation:  # an exponent past what a decimal holds
        return HugeNumber("Infinity")


class _Repeated(dict):
    """An object of the body in which some keys (`repeated`) appear more than once: _check refuses it."""

    repeated: list[str]


def _object(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) < len(pairs):
        document = _Repeated(document)
        document.repeated = sorted(key for key, count in collections.Counter(key for key, _ in pairs).items() if count > 1)
    return document


def parse_json(raw: bytes):
    """The JSON document in `raw`, checked as the module says; `core.missing` for an empty body."""
    if not raw:
        return core.missing
    try:
        document = json.loads(raw.decode("utf-8"), parse_int=_integer, parse_float=_fraction, object_pairs_hook=_object)
    except UnicodeDecodeError:
        raise MalformedJson(errors={"body": ["Not UTF-8."]}) from None
    except RecursionError:
        raise MalformedJson(errors={"body": [f"Nested deeper than {MAX_DEPTH} levels."]}) from None
    except ValueError:
        raise MalformedJson() from None
    _check(document)
    return document


def request_json():
    """The current request's body as JSON (see parse_json), parsed once however often it is asked for."""
    # Kept with the request itself: `g` can outlive a request (a test's app context spans several).
    if CACHE_KEY not in request.environ:
        request.environ[CACHE_KEY] = parse_json(request_body())
    return request.environ[CACHE_KEY]


def request_body() -> bytes:
    """The current request's whole body; past `request.max_content_length` → 413.

    A body with a Content-Length over the limit is refused before it is read (werkzeug). A streamed
    one (`Transfer-Encoding: chunked`) werkzeug reads up to the limit and silently cuts there: if
    the server still has a byte after a body that reached the limit, it is refused the same way.
    """
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        raise PayloadTooLarge(f"The body is over {limit:,} bytes")
    return raw


def _check(document) -> None:
    """Refuse nesting past MAX_DEPTH, lone surrogates and repeated keys, walking the document without
    recursion; repeated keys once the whole document has passed the other two checks."""
    stack, repeated = [(document, (), 1)], {}
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedJson(errors={"body": [f"Nested deeper than {MAX_DEPTH} levels."]})
        if isinstance(value, str):
            if not value.isascii() and _LONE_SURROGATE.search(value):
                raise ValidationFailed(errors={_field(path): ["Contains a lone surrogate: not valid Unicode text."]})
        elif isinstance(value, dict):
            if type(value) is _Repeated:
                repeated.update((_field((*path, key)), ["Give it once."]) for key in value.repeated)
            for key, item in value.items():
                if not key.isascii() and _LONE_SURROGATE.search(key):
                    raise ValidationFailed(errors={_field(path): ["A key contains a lone surrogate: not valid Unicode text."]})
                stack.append((item, (*path, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, (*path, str(index)), depth + 1) for index, item in enumerate(value))
    if repeated:
        raise ValidationFailed("A key appears more than once in an object of the body", repeated)


def _field(path: tuple[str, ...]) -> str:
    """A position in the body as errors name it: "inventory.0.warehouse_id"; "body" for the whole."""
    return ".".join(path) or "body"


def canonical(document) -> bytes:
    """The document in one spelling (sorted keys, no spaces, `1.50` as `1.5`), whatever the client's
    formatting. A number stays a number (`1.5` is not `"1.5"`), and a fraction stays one (`1.0` is
    not `1`): each is a different request to the fields that read them."""
    return _spelled(document).encode()


def _spelled(value) -> str:
    # Recursion is bounded: parse_json refuses documents nested deeper than MAX_DEPTH.
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(key)}:{_spelled(value[key])}" for key in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_spelled(item) for item in value) + "]"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        spelling = str(value.normalize())
        return spelling if "." in spelling or "E" in spelling else spelling + ".0"
    return json.dumps(value)
