"""Stock rules that need no database: what a level can give, and the refusal naming every shortage.

The level's own operations (InventoryLevel.take, receive, reserve, release, count_to, adjust) are
built on these; a use case that needs several levels at once (an order, a bundle sale) asks
require_available for all of them first, so that one refusal names every short product.
"""

from collections.abc import Iterable

from app.errors import InsufficientStock

# Stock columns are 32-bit integers; refusing more keeps a huge receipt a 422, not a 500.
MAX_ON_HAND = 2_000_000_000


def shortage(level, product_id: int, needed: int) -> dict | None:
    """None when the level (None: no level, nothing there) can give `needed` units, else what is missing."""
    available = level.available if level is not None else 0
    return None if available >= needed else {"product_id": product_id, "available": available, "requested": needed}


def insufficient(shortages: list[dict]) -> InsufficientStock:
    return InsufficientStock(
        "Not enough available stock for: " + ", ".join(f"product {s['product_id']}" for s in shortages),
        {"available": [f"product {s['product_id']}: {s['available']} available, {s['requested']} requested" for s in shortages]},
        short=shortages,
    )


def require_available(wanted: Iterable[tuple[int, object, int]]) -> None:
    """All or nothing: for (product id, level or None, units) each, refuse naming every product short."""
    shortages = [s for product_id, level, units in wanted if (s := shortage(level, product_id, units))]
    if shortages:
        raise insufficient(shortages)
