"""The reorder rule of API.md, number by number, and the purchase order's transitions."""

import pytest

from app.purchasing.domain import ReorderTerms, can_become, order_up_to, reorder_quantity, takes_receipts

# API.md's example: T = 10, available 4, incoming 0, 30 sold in 30 days (d = 1), L = 7, C = 30.
EXAMPLE = ReorderTerms(threshold=10, units_sold=30, days=30, lead_time_days=7, cover_days=30)


def with_terms(**changes) -> ReorderTerms:
    return EXAMPLE._replace(**changes)


def test_the_worked_example_orders_up_to_40():
    assert order_up_to(EXAMPLE) == 40
    assert reorder_quantity(4, 0, EXAMPLE) == 36


def test_the_minimum_order_quantity_raises_the_quantity():
    assert reorder_quantity(4, 0, with_terms(min_order_qty=50)) == 50


def test_the_order_multiple_rounds_up_after_the_minimum():
    assert reorder_quantity(4, 0, with_terms(min_order_qty=50, order_multiple=12)) == 60
    assert reorder_quantity(4, 0, with_terms(order_multiple=10)) == 40


def test_enough_on_order_needs_nothing():
    assert reorder_quantity(4, 36, EXAMPLE) == 0


def test_a_position_at_the_threshold_still_reorders():
    assert reorder_quantity(4, 6, EXAMPLE) == 30


def test_cover_is_exact_integer_arithmetic():
    """31 sold in 30 days with C = 30: ⌈31/30 × 30⌉ = 31, not 31.000000001 rounded up to 32."""
    terms = ReorderTerms(threshold=0, units_sold=31, days=30, cover_days=30)
    assert order_up_to(terms) == 31


def test_the_lead_time_demand_counts_when_it_exceeds_the_threshold():
    terms = ReorderTerms(threshold=5, units_sold=60, days=30, lead_time_days=10, cover_days=30)
    assert order_up_to(terms) == 20 + 60


def test_the_order_up_to_level_is_at_least_one_above_the_threshold():
    assert order_up_to(ReorderTerms(threshold=10, units_sold=0, days=30)) == 11
    assert reorder_quantity(0, 0, ReorderTerms(threshold=10, units_sold=0, days=30)) == 11


def test_a_set_order_up_to_level_replaces_the_computed_one():
    assert reorder_quantity(4, 0, with_terms(reorder_up_to=100)) == 96
    assert order_up_to(with_terms(reorder_up_to=5)) == 11


@pytest.mark.parametrize("status, target", [("draft", "ordered"), ("draft", "cancelled"), ("ordered", "cancelled"),
                                            ("ordered", "closed"), ("partially_received", "closed")])
def test_the_listed_transitions_are_allowed(status, target):
    assert can_become(status, target)


@pytest.mark.parametrize("status", ["draft", "ordered", "partially_received", "received", "closed", "cancelled"])
@pytest.mark.parametrize("target", ["draft", "partially_received", "received"])
def test_receipt_only_statuses_and_draft_are_never_reached_by_a_status_change(status, target):
    assert not can_become(status, target)


@pytest.mark.parametrize("status", ["received", "closed", "cancelled"])
def test_a_finished_order_changes_no_more(status):
    assert not any(can_become(status, target) for target in ("ordered", "cancelled", "closed"))


def test_only_placed_orders_take_receipts():
    assert [s for s in ("draft", "ordered", "partially_received", "received", "closed", "cancelled") if takes_receipts(s)] \
        == ["ordered", "partially_received"]


def test_the_rule_is_exact_for_large_numbers():
    terms = ReorderTerms(threshold=1_000_000_000, units_sold=1_000_000_001, days=365, lead_time_days=365, cover_days=365)
    assert order_up_to(terms) == 1_000_000_001 + 1_000_000_001
    assert reorder_quantity(0, 0, terms) == 2_000_000_002


def test_a_lead_time_demand_just_above_a_whole_unit_rounds_up():
    # 1 sold in 365 days, 1 day's lead time and cover: ⌈1/365⌉ = 1 each.
    assert order_up_to(ReorderTerms(threshold=0, units_sold=1, days=365, lead_time_days=1, cover_days=1)) == 1 + 1
