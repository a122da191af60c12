"""Low-stock arithmetic: sales velocity and days of cover (the reorder rule is purchasing.domain's).
Whole units in, exact answers out."""

from decimal import ROUND_HALF_UP, Decimal


def avg_daily_sales(units_sold: int, days: int) -> float:
    """Units sold per day over the window, rounded half up to two decimals from the exact quotient."""
    return float((Decimal(units_sold) / days).quantize(Decimal("0.01"), ROUND_HALF_UP))


def days_until_stockout(current_stock: int, units_sold: int, days: int) -> int:
    """Whole days the available stock lasts at the window's pace: floor(stock / (units / days)).

    Needs units_sold > 0 (a level only alerts when it sold); 0 when nothing is available.
    """
    if current_stock <= 0:
        return 0
    return current_stock * days // units_sold
