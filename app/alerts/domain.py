"""Low-stock arithmetic: sales velocity and days of cover (the reorder rule is purchasing.domain's).
Whole units in, exact answers out."""


def avg_daily_sales(units_sold: int, days: int) -> float:
    """Units sold per day over the window, rounded half up to two decimals from the exact quotient.

    In integers: hundredths = ⌊(100 × units / days) + ½⌋, then ÷ 100, which Python rounds correctly
    to the float nearest the two-decimal number."""
    return (200 * units_sold + days) // (2 * days) / 100


def days_until_stockout(current_stock: int, units_sold: int, days: int) -> int | None:
    """Whole days the available stock lasts at the window's pace: floor(stock / (units / days)).

    0 when nothing is available; None when it sold nothing in the window (an alert always sold; a
    stock event's level may not have).
    """
    if current_stock <= 0:
        return 0
    if units_sold <= 0:
        return None
    return current_stock * days // units_sold
