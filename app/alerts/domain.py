"""Low-stock arithmetic: sales velocity and days of cover (the reorder rule is purchasing.domain's).
Whole units in, exact answers out."""


def avg_daily_sales(units_sold: int, days: int) -> float:
    """Units sold per day over the window, rounded half up to two decimals from the exact quotient.

    In integers: hundredths = ⌊(100 × units / days) + ½⌋, then ÷ 100, which Python rounds correctly
    to the float nearest the two-decimal number."""
    return (200 * units_sold + days) // (2 * days) / 100


def days_until_stockout(current_stock: int, units_sold: int, days: int) -> int:
    """Whole days the available stock lasts at the window's pace: floor(stock / (units / days)).

    Needs units_sold > 0 (a level only alerts when it sold); 0 when nothing is available.
    """
    if current_stock <= 0:
        return 0
    return current_stock * days // units_sold
