"""Purchasing rules that need no database: the reorder rule and the purchase order's life.

The reorder rule of a level (API.md, "Replenishment"), in exact arithmetic:
- position = available + incoming; T = the effective threshold;
- d = units sold in the window ÷ window days; L = lead time days; C = the company's cover days;
- order-up-to level S = the level's reorder_up_to when set, else max(T, ⌈d × L⌉) + ⌈d × C⌉,
  and at least T + 1;
- when position ≤ T: quantity = S − position, raised to the minimum order quantity, then up to a
  multiple of the order multiple; else 0.
"""

from typing import NamedTuple

# The rule as the OpenAPI descriptions of the alerts and the replenishment state it.
REORDER_RULE = """\
The reorder rule of a level, in exact arithmetic (integers, never floats):

- `position` = current_stock (available) + `incoming`; `T` = the effective threshold;
- `d` = units sold at that level in the window ÷ window days;
- `L` = lead time days: the reorder supplier's link `lead_time_days`, else the supplier's, else 0;
- `C` = the company's `reorder_cover_days` (default 30);
- order-up-to level `S` = the level's `reorder_up_to` when set, else max(T, ⌈d × L⌉) + ⌈d × C⌉,
  and at least T + 1;
- when position ≤ T: quantity = S − position, raised to the link's `min_order_qty`, then up to a
  multiple of the link's `order_multiple`; else 0.

Example: T = 10, available 4, incoming 0, 30 sold in 30 days (d = 1), L = 7, C = 30 → S = 40,
quantity 36; with `min_order_qty` 50 → 50; with `min_order_qty` 50 and `order_multiple` 12 → 60;
with `order_multiple` 10 alone → 40. With 36 incoming → position 40 > T → 0.
"""

# Which status may become which by a status change; receipts alone reach partially_received and received.
TRANSITIONS = {
    "draft": {"ordered", "cancelled"},
    "ordered": {"cancelled", "closed"},
    "partially_received": {"closed"},
}


def can_become(status: str, target: str) -> bool:
    return target in TRANSITIONS.get(status, ())


def takes_receipts(status: str) -> bool:
    return status in ("ordered", "partially_received")


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


class ReorderTerms(NamedTuple):
    """What the rule needs of a level besides its stock: its sales, its supplier's terms, the company's cover.
    (A named tuple: the replenishment builds one for each of up to thousands of levels.) A term of the
    supplier's link that is unknown (None: no reorder supplier, or not set) counts as no lead time,
    no minimum and single units."""

    threshold: int
    units_sold: int
    days: int
    lead_time_days: int | None = None
    cover_days: int = 30
    min_order_qty: int | None = None
    order_multiple: int | None = None
    reorder_up_to: int | None = None


def order_up_to(terms: ReorderTerms) -> int:
    """S: the position a reorder brings the level back to."""
    if terms.reorder_up_to is not None:
        level = terms.reorder_up_to
    else:
        # ⌈d × L⌉ and ⌈d × C⌉ with d = units_sold / days, in integers.
        lead_time_demand = _ceil_div(terms.units_sold * (terms.lead_time_days or 0), terms.days)
        cover_demand = _ceil_div(terms.units_sold * terms.cover_days, terms.days)
        level = max(terms.threshold, lead_time_demand) + cover_demand
    return max(level, terms.threshold + 1)


def reorder_quantity(available: int, incoming: int, terms: ReorderTerms) -> int:
    """Units to order for a level: 0 while its position (available + incoming) is above its threshold."""
    position = available + incoming
    if position > terms.threshold:
        return 0
    quantity = max(order_up_to(terms) - position, terms.min_order_qty or 1)
    multiple = terms.order_multiple or 1
    return _ceil_div(quantity, multiple) * multiple
