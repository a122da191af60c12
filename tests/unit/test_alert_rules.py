"""Low-stock arithmetic with no database: sales pace, days of cover and reorder quantity."""

from app.alerts.domain import avg_daily_sales, days_until_stockout, suggested_reorder_quantity

# avg_daily_sales


def test_average_daily_sales_is_units_over_days():
    assert avg_daily_sales(60, 30) == 2.0


def test_average_daily_sales_rounds_to_the_nearest_hundredth_not_down():
    assert avg_daily_sales(2, 3) == 0.67


def test_average_daily_sales_keeps_two_decimals_of_a_slow_seller():
    assert avg_daily_sales(10, 30) == 0.33


def test_one_unit_a_year_averages_to_zero_at_two_decimals():
    assert avg_daily_sales(1, 365) == 0.0


def test_an_exact_half_hundredth_rounds_from_the_exact_quotient_not_its_float():
    # 107 / 40 is exactly 2.675: half-up and half-even both give 2.68; the float 2.67499… gives 2.67.
    assert avg_daily_sales(107, 40) == 2.68


# days_until_stockout


def test_days_until_stockout_is_stock_over_daily_pace():
    # 10 sold in 30 days: a third of a unit a day; 5 units last 15 days.
    assert days_until_stockout(5, 10, 30) == 15


def test_days_until_stockout_is_rounded_down():
    # 7 units at 3 per 7 days: 16.33 days.
    assert days_until_stockout(7, 3, 7) == 16


def test_days_until_stockout_is_whole_when_the_pace_divides_the_stock():
    assert days_until_stockout(9, 3, 1) == 3


def test_days_until_stockout_is_zero_when_out_of_stock():
    assert days_until_stockout(0, 5, 30) == 0


def test_days_until_stockout_is_zero_for_negative_stock():
    assert days_until_stockout(-3, 5, 30) == 0


def test_less_than_a_day_of_stock_is_zero_days():
    assert days_until_stockout(1, 60, 30) == 0


def test_days_until_stockout_is_exact_for_large_numbers():
    # Float division gives 98_999_999_900 here.
    assert days_until_stockout(999_999_999, 1, 99) == 98_999_999_901


def test_days_until_stockout_of_the_largest_stock_over_the_longest_window():
    assert days_until_stockout(2_000_000_000, 1, 365) == 730_000_000_000


# suggested_reorder_quantity


def test_reorder_covers_lead_time_and_window_minus_stock():
    # 30 sold in 30 days, 7 days lead: 37 needed, 5 available.
    assert suggested_reorder_quantity(5, 30, 30, 7, 1) == 32


def test_reorder_demand_is_rounded_up():
    # 10 × 37 / 30 = 12.33 → 13 needed, 5 available.
    assert suggested_reorder_quantity(5, 10, 30, 7, 1) == 8


def test_reorder_demand_that_divides_exactly_is_not_rounded_up():
    # 10 × 30 / 30 = 10 exactly.
    assert suggested_reorder_quantity(4, 10, 30, 0, 1) == 6


def test_reorder_demand_just_above_a_whole_unit_rounds_up():
    # 1 × 366 / 365 = 1.003 → 2.
    assert suggested_reorder_quantity(0, 1, 365, 1, 1) == 2


def test_reorder_with_no_lead_time_covers_the_window_only():
    assert suggested_reorder_quantity(2, 3, 30, 0, 1) == 1


def test_reorder_is_zero_when_stock_equals_demand():
    assert suggested_reorder_quantity(13, 10, 30, 7, 1) == 0


def test_reorder_is_never_negative_when_stock_exceeds_demand():
    assert suggested_reorder_quantity(500, 10, 30, 7, 1) == 0


def test_reorder_is_raised_to_the_minimum_order_quantity():
    assert suggested_reorder_quantity(5, 10, 30, 7, 50) == 50


def test_reorder_above_the_minimum_order_quantity_is_kept():
    assert suggested_reorder_quantity(5, 90, 30, 10, 50) == 115


def test_the_minimum_order_quantity_does_not_force_an_order_when_none_is_needed():
    assert suggested_reorder_quantity(13, 10, 30, 7, 50) == 0


def test_reorder_treats_negative_stock_as_empty():
    assert suggested_reorder_quantity(-4, 30, 30, 0, 1) == 30


def test_reorder_is_exact_for_large_numbers():
    assert suggested_reorder_quantity(0, 1_000_000_001, 365, 365, 1) == 2_000_000_002
