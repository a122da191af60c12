"""Stock episodes: which events a level's change emits, from its state before and after."""

STOCK_LOW, STOCK_OUT, STOCK_REPLENISHED = "stock.low", "stock.out", "stock.replenished"
PING = "ping"

# Every type an event may have, in the order of API.md's catalogue.
EVENT_TYPES = (
    STOCK_LOW, STOCK_OUT, STOCK_REPLENISHED,
    "purchase_order.ordered", "purchase_order.received", "purchase_order.closed", "purchase_order.cancelled",
    "purchase_order.receipt_created",
    "order.created", "order.shipped", "order.cancelled",
    PING,
)

LevelState = tuple[int, int | None]  # (available, alert threshold: None while the level never alerts)


def _low(state: LevelState) -> bool:
    available, threshold = state
    return threshold is not None and available <= threshold


def crossings(before: LevelState, after: LevelState) -> list[str]:
    """The stock events of a level that went from `before` to `after`, in this order:

    - stock.low: from above its threshold (or from no threshold: the product came back from the
      archive) to at or below it. One per episode, since it needs the level above before.
    - stock.out: available from above 0 to 0, whatever the threshold.
    - stock.replenished: from at or below its threshold to above it.

    A level that stops alerting (its product archived, its warehouse deactivated) ends its episode
    without an event.
    """
    events = []
    if _low(after) and not _low(before):
        events.append(STOCK_LOW)
    if before[0] > 0 and after[0] == 0:
        events.append(STOCK_OUT)
    if _low(before) and after[1] is not None and not _low(after):
        events.append(STOCK_REPLENISHED)
    return events
