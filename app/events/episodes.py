"""Stock episodes, decided when a use case ends, inside its transaction, under the level locks it holds.

Every use case that changes stock or thresholds locks the levels first (the ledger and the alert
read model note each level's state then, in the unit of work). Before the use case commits, each
level's state now is compared with it; the crossings (events.domain.crossings) become events in
the same transaction. Concurrent changes of one level take turns on its lock, so each sees the
state the previous one left: 50 racing sales make exactly one stock.low.
"""

import sqlalchemy as sa

from app.alerts.service import level_snapshots
from app.common.transaction import UnitOfWork, before_commit
from app.events import domain
from app.events.models import Event
from app.events.schemas import LevelSnapshotSchema
from app.events.service import record
from app.extensions import db
from app.inventory.models import InventoryLevel


@before_commit
def record_stock_episodes(unit: UnitOfWork) -> None:
    watched = {level_id: before for level_id, before in unit.levels_before.items() if before is not None}
    if not watched:
        return
    crossed = {}
    for level_id, company_id, available, threshold in _states_now(unit, watched):
        before = watched[level_id]
        resumed = before[1] is None and threshold is not None  # alerting again (see domain.crossings)
        types = domain.crossings(before, (available, threshold), episode_open=resumed and _episode_open(level_id))
        if types:
            crossed[level_id] = (company_id, types)
    if not crossed:
        return
    schema = LevelSnapshotSchema()
    for company_id in sorted({company_id for company_id, _ in crossed.values()}):
        snapshots = level_snapshots(company_id, [i for i, (company, _) in crossed.items() if company == company_id])
        for level_id, snapshot in sorted(snapshots.items()):
            for event_type in crossed[level_id][1]:
                record(company_id, event_type, schema.dump(snapshot), level_id=level_id)


def _episode_open(level_id: int) -> bool:
    """Whether the level's last stock.low has had no stock.replenished since (as far as the events
    kept tell: an episode whose stock.low was purged counts as ended)."""
    last = db.session.scalar(
        sa.select(Event.type).where(Event.level_id == level_id, Event.type.in_((domain.STOCK_LOW, domain.STOCK_REPLENISHED)))
        .order_by(Event.id.desc()).limit(1))
    return last == domain.STOCK_LOW


def _states_now(unit: UnitOfWork, watched) -> list[tuple[int, int, int, int | None]]:
    """(level id, company id, available, threshold) of the watched levels as the use case leaves them:
    from the session's objects when it changed them only through them (a movement, an order — no
    query), else read again (the query's autoflush writes what is pending first)."""
    if not unit.levels_stale and all(level_id in unit.levels for level_id in watched):
        return [(level.id, level.company_id, level.on_hand - level.reserved, level.alert_threshold)
                for level in (unit.levels[level_id] for level_id in watched)]
    level = InventoryLevel
    return db.session.execute(
        sa.select(level.id, level.company_id, level.on_hand - level.reserved, level.alert_threshold)
        .where(level.id.in_(sorted(watched)))).all()
