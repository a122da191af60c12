"""Marshmallow fields that refuse the lenient coercions JSON clients get bitten by."""

import base64
import datetime as dt
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate

from app.common.jsonbody import HugeNumber


# The largest quantity one request may name (a movement, an order line, initial stock, a threshold).
MAX_QUANTITY = 1_000_000_000


class StrictInteger(fields.Integer):
    """An integer that refuses booleans, floats and numeric strings in JSON bodies."""

    default_error_messages = {"invalid": "Not a valid integer.", "too_large": "Out of range."}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, HugeNumber):
            raise self.make_error("too_large")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


MAX_ID = 2**63 - 1


class Id(StrictInteger):
    """An id in a JSON body: a positive integer that fits the database (no 500 for 2**70)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class QueryInteger(fields.Integer):
    """An integer in a query string, written in ASCII digits with an optional sign: `1_0`, ` 1`,
    `+3` and other scripts' digits (`１`), which Python's int() takes, are not integers here."""

    def _validated(self, value):
        if isinstance(value, str) and not _QUERY_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._validated(value)


_QUERY_INTEGER = re.compile(r"-?[0-9]+")


class QueryId(QueryInteger):
    """An id in a query string, bounded like Id."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class StrictBoolean(fields.Boolean):
    """Only JSON true/false; 1, 0 and strings are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Text(fields.String):
    """A trimmed string with a length bound, so no field accepts 10,000 characters; without NUL
    characters, which no client means to store and which cut strings short in C libraries."""

    default_error_messages = {"nul": "Must not contain NUL characters (\\u0000)."}

    def __init__(self, max_length: int = 255, min_length: int = 0, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\0" in value:
            raise self.make_error("nul")
        return value.strip()


class UTCDateTime(fields.DateTime):
    """ISO 8601 with an explicit UTC offset ('Z'); naive database values are read as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.isoformat() + "Z"
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


class UTCInstant(fields.AwareDateTime):
    """An ISO 8601 timestamp in; one without a zone is read as UTC. Loaded as naive UTC, as stored."""

    default_error_messages = {"utc_range": "Outside the years 1–9999 once converted to UTC."}

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt.timezone.utc, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            # 0001-01-01T00:00:00+00:01 is a valid timestamp whose UTC time is before year 1.
            return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        except OverflowError:
            raise self.make_error("utc_range") from None


class StoredInstant(UTCInstant):
    """A timestamp to store: in whole seconds, like every time the API writes (MySQL's DATETIME keeps
    no fraction, SQLite would): a fraction of a second is dropped, so the answer says what is stored."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).replace(microsecond=0)


class Money(fields.Field):
    """A decimal amount: a string or JSON number in, a string with 2 places out; never a float.

    A string must be a plain decimal in ASCII digits ("24.90"): exponents ("1e3"), digit group
    separators ("1_000") and other scripts' digits, all of which Python's Decimal would take, are refused.
    """

    MAX = Decimal("99999999.99")
    CENT = Decimal("0.01")
    PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
    default_error_messages = {
        "invalid": "Not a valid amount.",
        "places": "At most 2 decimal places.",
        "range": "Must be between 0 and 99999999.99.",
    }

    def __init__(self, **kwargs):
        metadata = {
            "type": "string", "format": "decimal", "example": "19.99",
            "description": "0–99999999.99, at most 2 decimal places; requests may send a JSON number too",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, HugeNumber):
            raise self.make_error("range")
        if isinstance(value, str):
            value = value.strip()
            if not self.PLAIN.match(value):
                raise self.make_error("invalid")
        elif isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise self.make_error("invalid")
        try:
            # str() of a float is its shortest repr, so 19.99 stays 19.99 rather than 19.9899…
            amount = Decimal(value if isinstance(value, Decimal) else str(value))
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not amount.is_finite():
            raise self.make_error("invalid")
        # The range first: quantizing 1e84 to cents needs more digits than decimal's context has.
        if not 0 <= amount <= self.MAX:
            raise self.make_error("range")
        if amount != amount.quantize(self.CENT, rounding=ROUND_DOWN):
            raise self.make_error("places")
        # "-0" is zero: never answered as "-0.00".
        return amount.quantize(self.CENT) if amount else Decimal("0.00")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(Decimal(value).quantize(self.CENT))


class Email(fields.Email):
    """An email address, trimmed and lower-cased: emails are unique case-insensitively (with
    `keep_case`, as written: an address to send to)."""

    def __init__(self, *, keep_case: bool = False, **kwargs):
        super().__init__(validate=validate.Length(max=254), **kwargs)
        self.keep_case = keep_case

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        value = super()._deserialize(value, attr, data, **kwargs)
        return value if self.keep_case else value.lower()


class Cursor(fields.Field):
    """An opaque position in a list paged newest first by id: the id, tagged with `prefix` so that one
    list's cursor is refused by another (400), base64url without padding."""

    def __init__(self, prefix: str, **kwargs):
        super().__init__(**kwargs)
        self.prefix = prefix

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.urlsafe_b64encode(f"{self.prefix}{value}".encode()).decode().rstrip("=")

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            digits = decoded[len(self.prefix):]
            if not (decoded.startswith(self.prefix) and digits.isascii() and digits.isdigit()):
                raise ValueError
            position = int(digits)
            if not 1 <= position <= MAX_ID:
                raise ValueError
            return position
        except (ValueError, UnicodeDecodeError, TypeError):
            raise ValidationError("Not a cursor returned by this endpoint.") from None
