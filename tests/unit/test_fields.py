"""Strict JSON fields: no booleans as integers, no integers as booleans, trimmed bounded text."""

import datetime as dt

import pytest
from marshmallow import Schema, ValidationError

from app.common.fields import StrictBoolean, StrictInteger, Text, UTCDateTime


class Sample(Schema):
    quantity = StrictInteger()
    active = StrictBoolean()
    name = Text(max_length=5, min_length=1)
    at = UTCDateTime()


@pytest.mark.parametrize("value", [True, False, 1.5, "3", None])
def test_strict_integer_refuses_what_is_not_an_integer(value):
    with pytest.raises(ValidationError) as error:
        Sample().load({"quantity": value})
    assert "quantity" in error.value.messages


def test_strict_integer_accepts_integers_and_integral_floats_are_refused():
    assert Sample().load({"quantity": -3}) == {"quantity": -3}
    with pytest.raises(ValidationError):
        Sample().load({"quantity": 3.0})


@pytest.mark.parametrize("value", [1, 0, "true", "false", None])
def test_strict_boolean_accepts_only_true_and_false(value):
    with pytest.raises(ValidationError):
        Sample().load({"active": value})
    assert Sample().load({"active": False}) == {"active": False}


def test_text_is_trimmed_and_bounded():
    assert Sample().load({"name": "  abc  "}) == {"name": "abc"}
    with pytest.raises(ValidationError):
        Sample().load({"name": "x" * 10_000})
    with pytest.raises(ValidationError):
        Sample().load({"name": ""})


def test_timestamps_are_dumped_in_utc_with_z():
    assert Sample().dump({"at": dt.datetime(2026, 11, 21, 10, 0)}) == {"at": "2026-11-21T10:00:00Z"}
    plus_two = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert Sample().dump({"at": plus_two}) == {"at": "2026-11-21T10:00:00Z"}
