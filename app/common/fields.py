"""Marshmallow fields that refuse the lenient coercions JSON clients get bitten by."""

import datetime as dt

from marshmallow import fields, validate


class StrictInteger(fields.Integer):
    """An integer that refuses booleans, floats and numeric strings in JSON bodies."""

    default_error_messages = {"invalid": "Not a valid integer."}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """Only JSON true/false; 1, 0 and strings are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Text(fields.String):
    """A trimmed string with a length bound, so no field accepts 10,000 characters."""

    def __init__(self, max_length: int = 255, min_length: int = 0, **kwargs):
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class UTCDateTime(fields.DateTime):
    """ISO 8601 with an explicit UTC offset ('Z'); naive database values are read as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
