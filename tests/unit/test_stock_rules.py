"""The stock rules of a level, with no database: what it can give, hold, take in and count to."""

import pytest

from app.errors import InsufficientStock, StaleQuantity, ValidationFailed
from app.inventory.domain import MAX_ON_HAND, require_available, shortage
from app.inventory.models import InventoryLevel


def level(on_hand=10, reserved=0, product_id=7) -> InventoryLevel:
    return InventoryLevel(company_id=1, product_id=product_id, warehouse_id=1, on_hand=on_hand, reserved=reserved)


# Taking


def test_taking_lowers_on_hand():
    shelf = level(on_hand=10)
    shelf.take(4)
    assert (shelf.on_hand, shelf.available) == (6, 6)


def test_taking_everything_available_is_allowed():
    shelf = level(on_hand=10, reserved=3)
    shelf.take(7)
    assert (shelf.on_hand, shelf.reserved) == (3, 3)


def test_cannot_take_reserved_stock():
    shelf = level(on_hand=10, reserved=3)
    with pytest.raises(InsufficientStock) as refused:
        shelf.take(8)
    assert refused.value.details["short"] == [{"product_id": 7, "available": 7, "requested": 8}]
    assert (shelf.on_hand, shelf.reserved) == (10, 3)


def test_cannot_take_more_than_on_hand():
    with pytest.raises(InsufficientStock):
        level(on_hand=2).take(3)


# Receiving


def test_receiving_raises_on_hand():
    shelf = level(on_hand=10, reserved=4)
    shelf.receive(5)
    assert (shelf.on_hand, shelf.available) == (15, 11)


def test_receiving_up_to_the_largest_on_hand_is_allowed():
    shelf = level(on_hand=MAX_ON_HAND - 5)
    shelf.receive(5)
    assert shelf.on_hand == MAX_ON_HAND


def test_receiving_past_the_largest_on_hand_is_refused_naming_the_quantity():
    shelf = level(on_hand=MAX_ON_HAND - 5)
    with pytest.raises(ValidationFailed) as refused:
        shelf.receive(6)
    assert "quantity" in refused.value.errors
    assert shelf.on_hand == MAX_ON_HAND - 5


# Adjusting


def test_a_positive_adjustment_receives():
    shelf = level(on_hand=10)
    shelf.adjust(3)
    assert shelf.on_hand == 13


def test_a_negative_adjustment_takes_and_cannot_take_reserved_stock():
    shelf = level(on_hand=10, reserved=8)
    shelf.adjust(-2)
    assert shelf.on_hand == 8
    with pytest.raises(InsufficientStock):
        shelf.adjust(-1)


# Counting


def test_a_count_sets_on_hand_and_returns_the_difference():
    shelf = level(on_hand=10)
    assert shelf.count_to(7) == -3
    assert shelf.on_hand == 7
    assert shelf.count_to(12) == 5


def test_a_count_with_the_expected_quantity_is_applied():
    shelf = level(on_hand=10)
    assert shelf.count_to(9, expected=10) == -1


def test_count_with_stale_expectation_is_refused():
    shelf = level(on_hand=10)
    with pytest.raises(StaleQuantity) as refused:
        shelf.count_to(9, expected=11)
    assert refused.value.errors == {"expected_on_hand": ["on hand is now 10"]}
    assert shelf.on_hand == 10


def test_a_count_below_what_orders_hold_is_refused():
    shelf = level(on_hand=10, reserved=4)
    with pytest.raises(InsufficientStock) as refused:
        shelf.count_to(3)
    assert refused.value.errors == {"quantity": ["at least 4 (reserved)"],
                                    "available": [f"product {shelf.product_id}: 3 counted, 4 reserved by pending orders"]}
    assert refused.value.details["short"] == [{"product_id": shelf.product_id, "available": 3, "requested": 4}]
    assert shelf.count_to(4) == -6


# Reserving and releasing


def test_reserving_holds_available_units():
    shelf = level(on_hand=10, reserved=2)
    shelf.reserve(8)
    assert (shelf.reserved, shelf.available) == (10, 0)


def test_cannot_reserve_what_is_already_reserved():
    shelf = level(on_hand=10, reserved=6)
    with pytest.raises(InsufficientStock):
        shelf.reserve(5)
    assert shelf.reserved == 6


def test_releasing_frees_units():
    shelf = level(on_hand=10, reserved=6)
    shelf.release(4)
    assert (shelf.reserved, shelf.available) == (2, 8)


def test_cannot_release_more_than_is_reserved():
    with pytest.raises(ValueError):
        level(on_hand=10, reserved=1).release(2)


def test_shipping_is_releasing_then_taking_the_same_units():
    shelf = level(on_hand=10, reserved=6)
    shelf.release(6)
    shelf.take(6)
    assert (shelf.on_hand, shelf.reserved) == (4, 0)


# All or nothing over several levels


def test_a_missing_level_has_nothing_available():
    assert shortage(None, 3, 1) == {"product_id": 3, "available": 0, "requested": 1}
    assert shortage(level(on_hand=5), 7, 5) is None


def test_one_refusal_names_every_short_product():
    wanted = [(1, level(on_hand=5, product_id=1), 5), (2, level(on_hand=1, product_id=2), 3), (3, None, 1)]
    with pytest.raises(InsufficientStock) as refused:
        require_available(wanted)
    assert [s["product_id"] for s in refused.value.details["short"]] == [2, 3]
    assert refused.value.errors == {"available": ["product 2: 1 available, 3 requested", "product 3: 0 available, 1 requested"]}
