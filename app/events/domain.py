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


# The events that begin and end a stock episode.
EPISODE_TYPES = (STOCK_LOW, STOCK_REPLENISHED)


def resumes(before: LevelState, after: LevelState) -> bool:
    """Whether the level alerts again: no threshold before (product archived, warehouse inactive), one now."""
    return before[1] is None and after[1] is not None


def crossings(before: LevelState, after: LevelState, *, episode_open: bool = False) -> list[str]:
    """The stock events of a level that went from `before` to `after`, in this order:

    - stock.low: from above its threshold to at or below it. One per episode, since it needs the
      level above before (or, alerting again, no open episode: see below).
    - stock.out: available from above 0 to 0, whatever the threshold.
    - stock.replenished: from at or below its threshold to above it.

    A level that stops alerting (its product archived, its warehouse deactivated: no threshold)
    keeps its episode, without an event. When it alerts again (`resumes`), `episode_open` says
    whether its last stock.low has had no stock.replenished since: if so, still low is the same
    episode (no second stock.low) and above its threshold ends it (stock.replenished); if not, low
    is a new episode (stock.low) and above it says nothing.
    """
    resumed_open = episode_open and resumes(before, after)
    events = []
    if _low(after) and not _low(before) and not resumed_open:
        events.append(STOCK_LOW)
    if before[0] > 0 and after[0] == 0:
        events.append(STOCK_OUT)
    if (_low(before) or resumed_open) and after[1] is not None and not _low(after):
        events.append(STOCK_REPLENISHED)
    return events
