"""The one JSON body parser: what it refuses and how it names it, with no app or database."""

import json
from decimal import Decimal

import pytest
from webargs import core

from app.common.jsonbody import MAX_DEPTH, HugeNumber, canonical, parse_json
from app.errors import MalformedJson, ValidationFailed


def refusal(raw: bytes):
    with pytest.raises((MalformedJson, ValidationFailed)) as raised:
        parse_json(raw)
    return raised.value


def test_an_empty_body_is_missing():
    assert parse_json(b"") is core.missing


def test_a_body_nested_to_the_limit_is_parsed():
    expected: list = []
    for _ in range(MAX_DEPTH - 1):
        expected = [expected]
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) == expected


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 50_000])
def test_nesting_past_the_limit_is_malformed(depth):
    error = refusal(b"[" * depth + b"]" * depth)
    assert isinstance(error, MalformedJson)
    assert error.errors == {"body": [f"Nested deeper than {MAX_DEPTH} levels."]}


@pytest.mark.parametrize("raw", [b"{", b"{'a': 1}", b"\xff\xfe", b"\xef\xbb\xbf{}", b"[1,]", b"nul"])
def test_what_is_not_json_is_malformed(raw):
    assert isinstance(refusal(raw), MalformedJson)


def test_a_lone_surrogate_is_named_by_its_path():
    error = refusal(b'{"lines": [{"a": 1}, {"b": "x\\ud800"}]}')
    assert isinstance(error, ValidationFailed)
    assert list(error.errors) == ["lines.1.b"]


def test_a_lone_surrogate_in_a_key_names_the_object_holding_it():
    assert list(refusal(b'{"lines": [{"\\udfff": 1}]}').errors) == ["lines.0"]
    assert list(refusal(b'{"\\udfff": 1}').errors) == ["body"]


def test_a_key_given_twice_is_named_by_its_path_wherever_it_is():
    error = refusal(b'{"a": 1, "a": 1, "lines": [{"q": 1}, {"q": 1, "q": 2, "r": 0, "r": 0}]}')
    assert isinstance(error, ValidationFailed)
    assert error.errors == {"a": ["Give it once."], "lines.1.q": ["Give it once."], "lines.1.r": ["Give it once."]}
    assert parse_json(b'{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}') == {"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}


def test_a_body_too_deep_or_with_a_lone_surrogate_key_is_refused_for_that_whatever_it_repeats():
    deep = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    assert isinstance(refusal(b'{"n": 1, "n": 2, "z": ' + deep + b"}"), MalformedJson)
    # Never echoed back as a key of `errors`: no client could decode it.
    assert refusal(b'{"n": 1, "\\ud800": 1, "\\ud800": 2}').errors == {"body": ["A key contains a lone surrogate: not valid Unicode text."]}


def test_a_surrogate_pair_is_one_character():
    assert parse_json(b'{"name": "\\ud83d\\udce6"}') == {"name": "\U0001f4e6"}


def test_integers_of_up_to_40_digits_stay_integers():
    assert parse_json(b"[" + b"9" * 40 + b"]") == [int("9" * 40)]


@pytest.mark.parametrize("digits", [41, 4_301, 100_000])
def test_longer_integers_are_kept_unconverted(digits):
    (value,) = parse_json(b"[-" + b"9" * digits + b"]")
    assert isinstance(value, HugeNumber)
    assert value < 0


def test_the_canonical_form_ignores_formatting_and_key_order():
    assert canonical(parse_json(b'{ "b": 1,\n "a": [1, 2] }')) == canonical(parse_json(b'{"a":[1,2],"b":1}'))


def test_the_canonical_form_spells_a_decimal_one_way():
    assert canonical(parse_json(b'{"p": 1.50}')) == canonical(parse_json(b'{"p": 15e-1}')) == canonical(parse_json(b'{"p": 1.5}'))
    assert canonical(parse_json(b'{"p": 1.5}')) != canonical(parse_json(b'{"p": 1.51}'))


@pytest.mark.parametrize("one, other", [
    (b'{"p": 1.5}', b'{"p": "1.5"}'),
    (b'{"q": 1}', b'{"q": 1.0}'),
    (b'{"q": 10}', b'{"q": 1e1}'),
    (b'{"q": 1}', b'{"q": "1"}'),
    (b'{"q": null}', b'{"q": "null"}'),
    (b'{"q": true}', b'{"q": 1}'),
    (b'{"q": [1]}', b'{"q": 1}'),
])
def test_the_canonical_form_keeps_what_a_field_tells_apart(one, other):
    """A number is not its string, nor an integer a fraction: fields accept one and refuse the other."""
    assert canonical(parse_json(one)) != canonical(parse_json(other))


def test_the_canonical_form_is_json_of_the_same_values():
    document = parse_json('{"b": [1, 2.50, {"é": null}], "a": "x\\"y", "c": 1e2, "d": true}'.encode())
    assert json.loads(canonical(document), parse_float=Decimal) == {
        "a": 'x"y', "b": [1, Decimal("2.5"), {"é": None}], "c": Decimal("1E+2"), "d": True}


@pytest.mark.parametrize("literal", [b"1e9999999999999999999", b"-1e-9999999999999999999", b"1.5e99999999999999999999999"])
def test_a_number_whose_exponent_no_decimal_holds_is_kept_unconverted(literal):
    (value,) = parse_json(b"[" + literal + b"]")
    assert isinstance(value, HugeNumber)
