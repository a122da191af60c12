"""Low-stock arithmetic with no database: sales pace, days of cover and reorder quantity."""

from app.alerts.domain import avg_daily_sales, days_until_stockout

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
