"""Low-stock arithmetic: sales velocity, days of cover, reorder quantity. Whole units in, exact answers out."""

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


def suggested_reorder_quantity(current_stock: int, units_sold: int, days: int, lead_time_days: int,
                               min_order_qty: int) -> int:
    """Units to order: the demand over the lead time plus the window, at the window's pace, minus
    what is available; at least the minimum order quantity when anything is needed, never negative.

    demand = ceil(units_sold × (lead_time_days + days) / days)
    """
    demand = -(-units_sold * (lead_time_days + days) // days)
    shortfall = demand - max(current_stock, 0)
    if shortfall <= 0:
        return 0
    return max(shortfall, min_order_qty)

