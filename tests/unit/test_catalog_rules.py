"""Catalogue rules without a database: what a SKU is, when two SKUs are the same, and money amounts."""

from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

from app.common.fields import Money
from app.products.schemas import Sku
from app.products.domain import normalize_sku, sku_key


class Priced(Schema):
    price = Money()
    sku = Sku()


def load_price(value):
    return Priced().load({"price": value})["price"]


def price_errors(value) -> list[str]:
    with pytest.raises(ValidationError) as error:
        Priced().load({"price": value})
    return error.value.messages["price"]


# SKU normalization


@pytest.mark.parametrize(
    "raw, stored",
    [("RETRO-CLOCK", "RETRO-CLOCK"), ("  RETRO-CLOCK\t", "RETRO-CLOCK"), ("retro_clock.v2", "retro_clock.v2"), ("A", "A"), ("9", "9")],
)
def test_a_valid_sku_is_stored_trimmed_and_otherwise_as_written(raw, stored):
    assert normalize_sku(raw) == stored


def test_a_sku_of_exactly_64_characters_is_valid():
    assert normalize_sku("X" * 64) == "X" * 64


def test_surrounding_spaces_do_not_count_towards_the_64_characters():
    assert normalize_sku("  " + "X" * 64 + "  ") == "X" * 64


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "X" * 65, "RETRO CLOCK", "RETRO/CLOCK", "RETRO#1", "RETRO,CLOCK", "ÜHR-1", "ＲＥＴＲＯ", "RETRO\nCLOCK", "RETRO-CLOCK\x00"],
)
def test_an_invalid_sku_is_refused(raw):
    with pytest.raises(ValueError):
        normalize_sku(raw)


@pytest.mark.parametrize("a, b", [("retro-clock", "RETRO-CLOCK"), ("Retro-Clock", "rEtRo-cLoCk"), (" RETRO-CLOCK ", "retro-clock")])
def test_skus_differing_only_in_case_or_surrounding_spaces_have_the_same_key(a, b):
    assert sku_key(a) == sku_key(b)


@pytest.mark.parametrize("a, b", [("RETRO-CLOCK", "RETRO_CLOCK"), ("RETRO-CLOCK", "RETRO-CLOCK.1"), ("WID-001", "WID-01")])
def test_different_skus_have_different_keys(a, b):
    assert sku_key(a) != sku_key(b)


@pytest.mark.parametrize(("other", "valid"), [("ßs-1", "ss-1"), ("ﬃ-1", "FFI-1"), ("ı-1", "I-1")])
def test_a_character_no_sku_can_hold_never_takes_the_key_of_a_valid_sku(other, valid):
    # A filter or a sheet naming it must find nothing, not another product.
    assert sku_key(other) != sku_key(valid)


def test_the_sku_key_fits_the_64_character_column():
    assert len(sku_key("x" * 64)) == 64


def test_the_sku_field_trims_and_names_the_rule_when_it_refuses():
    assert Priced().load({"sku": "  RETRO-CLOCK "}) == {"sku": "RETRO-CLOCK"}
    with pytest.raises(ValidationError) as error:
        Priced().load({"sku": "RETRO CLOCK"})
    assert "letters, digits" in error.value.messages["sku"][0]


@pytest.mark.parametrize("value", [None, 123, True, ["RETRO-CLOCK"]])
def test_the_sku_field_refuses_what_is_not_a_string(value):
    with pytest.raises(ValidationError) as error:
        Priced().load({"sku": value})
    assert "sku" in error.value.messages


# Money


@pytest.mark.parametrize(
    "value, amount",
    [
        ("19.99", Decimal("19.99")),
        (19.99, Decimal("19.99")),
        (0.1, Decimal("0.10")),
        (5, Decimal("5.00")),
        ("5", Decimal("5.00")),
        ("19.9", Decimal("19.90")),
        (0, Decimal("0.00")),
        ("0.00", Decimal("0.00")),
        ("99999999.99", Decimal("99999999.99")),
        (99999999.99, Decimal("99999999.99")),
        (" 19.99 ", Decimal("19.99")),
    ],
)
def test_an_amount_loads_as_an_exact_decimal(value, amount):
    loaded = load_price(value)
    assert isinstance(loaded, Decimal)
    assert loaded == amount
    assert str(loaded) == str(amount)


def test_a_float_is_read_by_its_shortest_repr_not_its_binary_value():
    assert Decimal(19.99) != Decimal("19.99")  # what a naive conversion would store
    assert load_price(19.99) == Decimal("19.99")
    assert load_price(0.1) + load_price(0.2) == Decimal("0.30")


@pytest.mark.parametrize("value", ["19.999", 19.999, "0.001", 0.005, "1.234", 1e-7])
def test_more_than_two_decimal_places_are_refused(value):
    assert price_errors(value) == ["At most 2 decimal places."]


# 1e84 (found by the contract fuzz) has more digits than decimal's context: it was a 500.
@pytest.mark.parametrize(
    "value", ["-0.01", -1, -0.5, "100000000", 100000000.0, "100000000.00", 1e20, -1.1687928594209983e84, 1e84]
)
def test_amounts_outside_0_to_99999999_99_are_refused(value):
    assert price_errors(value) == ["Must be between 0 and 99999999.99."]


@pytest.mark.parametrize("value", ["1e30", "-1e300", "1e3", "1E2", "١٢", "１２", "1_000", "0x1F"])
def test_an_amount_string_is_a_plain_decimal_in_ascii_digits(value):
    assert price_errors(value) == ["Not a valid amount."]


@pytest.mark.parametrize("value", ["-0", "-0.00", "+0", -0.0, 0])
def test_zero_has_no_sign(value):
    assert str(load_price(value)) == "0.00"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf"])
def test_nan_and_infinity_are_refused(value):
    assert price_errors(value) == ["Not a valid amount."]


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_amounts(value):
    assert price_errors(value) == ["Not a valid amount."]


@pytest.mark.parametrize("value", ["", "   ", "abc", "19,99", "1 000", "19.99 EUR", "$5", [19.99], {"amount": "19.99"}])
def test_text_and_structures_that_are_not_amounts_are_refused(value):
    assert price_errors(value) == ["Not a valid amount."]


def test_null_is_refused_unless_the_field_allows_it():
    assert "price" in Priced().validate({"price": None})


@pytest.mark.parametrize(
    "stored, answered",
    [(Decimal("19.99"), "19.99"), (Decimal("5"), "5.00"), (Decimal("19.9"), "19.90"), (Decimal("0"), "0.00"),
     (Decimal("99999999.99"), "99999999.99"), (Decimal("5.000"), "5.00")],
)
def test_amounts_are_answered_as_strings_with_two_places(stored, answered):
    assert Priced().dump({"price": stored}) == {"price": answered}


def test_a_missing_amount_is_answered_as_null():
    assert Priced().dump({"price": None}) == {"price": None}


def test_an_amount_survives_a_load_and_dump_round_trip():
    assert Priced().dump(Priced().load({"price": 19.99})) == {"price": "19.99"}
