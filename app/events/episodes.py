"""Stock episodes, decided when a use case ends, inside its transaction, under the level locks it holds.

Every use case that changes stock or thresholds locks the levels first (the ledger and the alert
read model note each level's state then, in the unit of work). Before the use case commits, each
level's state now is compared with it; the crossings (events.domain.crossings) become events in
the same transaction. Concurrent changes of one level take turns on its lock, so each sees the
state the previous one left: 50 racing sales make exactly one stock.low.
"""

import sqlalchemy as sa

from app.alerts.service import level_snapshots
from app.common.chunks import chunks
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
    states = _states_now(unit, watched)
    open_episodes = _open_episodes([(company_id, level_id) for level_id, company_id, available, threshold in states
                                    if domain.resumes(watched[level_id], (available, threshold))])
    crossed = {}
    for level_id, company_id, available, threshold in states:
        types = domain.crossings(watched[level_id], (available, threshold), episode_open=level_id in open_episodes)
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


def _open_episodes(levels: list[tuple[int, int]]) -> set[int]:
    """Of these (company id, level id), the levels whose last stock.low has had no stock.replenished
    since: one query per company and thousand levels (a reactivated warehouse brings them all)."""
    found = set()
    for company_id in sorted({company_id for company_id, _ in levels}):
        ids = sorted(level_id for company, level_id in levels if company == company_id)
        for chunk in chunks(ids):
            last = (sa.select(sa.func.max(Event.id))
                    .where(Event.company_id == company_id, Event.level_id.in_(chunk), Event.type.in_(domain.EPISODE_TYPES))
                    .group_by(Event.level_id))
            found.update(db.session.scalars(sa.select(Event.level_id).where(Event.id.in_(last), Event.type == domain.STOCK_LOW)))
    return found


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
